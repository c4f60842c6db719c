import { createPinoLogger } from '../logger.module';

/** Logs LINES lines to standard output, a patient among them, then exits at once: for async-logging.int-spec.ts. */
const logger = createPinoLogger({ service: 'log-and-exit' });
const lines = Number(process.argv[2] ?? 1000);
for (let line = 0; line < lines; line += 1) {
  logger.info({ line, patient: { nhsNumber: '9434765919', givenName: 'Margaret' }, notes: 'Widowed last year' }, 'referral received');
}
process.exit(0);
