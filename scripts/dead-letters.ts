/*
 * `npm run dead-letters -- <service> list|replay <id>`: events a service's consumer gave up on, kept in
 * Postgres, and putting one back on the service's queue once the cause is fixed.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DataSource } from 'typeorm';
import { BaseEnvironment, DeadLetterStore, ServiceName, loadEnvironment } from '@app/shared';

const SCHEMAS: Record<string, string> = {
  [ServiceName.ReferralIntake]: 'intake',
  [ServiceName.Notifier]: 'notifier',
  [ServiceName.Outcomes]: 'outcomes',
};

function serviceArgument(value: string): string {
  if (!SCHEMAS[value]) throw new InvalidArgumentError(`service must be one of ${Object.keys(SCHEMAS).join(', ')}`);
  return value;
}

async function withStore<T>(service: string, work: (store: DeadLetterStore) => Promise<T>): Promise<T> {
  const env = loadEnvironment(BaseEnvironment);
  const dataSource = new DataSource({ type: 'postgres', url: env.DATABASE_URL });
  await dataSource.initialize();
  try {
    return await work(
      new DeadLetterStore(dataSource, {
        service,
        schema: SCHEMAS[service],
        redisUrl: env.REDIS_URL,
        redisPrefix: env.REDIS_PREFIX,
        maxAttempts: env.EVENT_MAX_ATTEMPTS,
        backoffMs: env.EVENT_BACKOFF_MS,
        outboxPollMs: env.OUTBOX_POLL_MS,
      }),
    );
  } finally {
    await dataSource.destroy();
  }
}

const program = new Command('dead-letters').description('Events a service could not handle, and replaying them');

program
  .command('list')
  .argument('<service>', 'referral-intake, notifier or outcomes', serviceArgument)
  .option('--all', 'include dead letters already replayed')
  .action(async (service: string, options: { all?: boolean }) => {
    const letters = await withStore(service, (store) => store.list({ includeReplayed: options.all }));
    if (letters.length === 0) process.stdout.write(`No dead letters for ${service}.\n`);
    for (const letter of letters) {
      process.stdout.write(
        `${letter.id}  ${new Date(letter.failedAt).toISOString()}  ${letter.eventType}  event ${letter.eventId}  attempts ${letter.attempts}${letter.replayedAt ? '  (replayed)' : ''}\n    ${letter.error}\n`,
      );
    }
  });

program
  .command('replay')
  .argument('<service>', 'referral-intake, notifier or outcomes', serviceArgument)
  .argument('<id>', 'dead letter id, from list')
  .action(async (service: string, id: string) => {
    const envelope = await withStore(service, (store) => store.replay(id));
    process.stdout.write(`Replayed ${envelope.type} ${envelope.id} to ${service}; its inbox makes sure it takes effect once.\n`);
  });

program.parseAsync().catch((error: Error) => {
  process.stderr.write(`dead-letters: ${error.message}\n`);
  process.exit(1);
});
