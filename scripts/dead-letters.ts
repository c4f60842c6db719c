/*
 * `npm run dead-letters -- list [service] [--kind events|deliveries|callbacks|reminders] [--json]` and
 * `npm run dead-letters -- replay <id…> | --all [--service s] [--kind k]`: everything any service gave up
 * on (events its consumer could not handle, status callbacks, deliveries, reminders), kept in Postgres,
 * and putting it back to work once the cause is fixed. Replaying is the same for every kind: the row goes
 * back to its working state, then a fresh round of attempts.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DataSource } from 'typeorm';
import {
  BaseEnvironment,
  DEAD_LETTER_KINDS,
  DeadLetterEntry,
  DeadLetterKind,
  DeadLetterStore,
  JobQueues,
  ServiceDeadLetters,
  ServiceJobs,
  ServiceName,
  loadEnvironment,
} from '@app/shared';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { notifierJobs } from '../apps/notifier/src/notifier-jobs';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { intakeJobs } from '../apps/referral-intake/src/intake-jobs';

interface ServiceEntry {
  schema: string;
  /** The service's job configuration, from its own environment variables. */
  jobs?: () => ServiceJobs;
}

const SERVICES: Record<string, ServiceEntry> = {
  [ServiceName.ReferralIntake]: { schema: 'intake', jobs: () => intakeJobs(loadEnvironment(IntakeEnvironment)) },
  [ServiceName.Notifier]: { schema: 'notifier', jobs: () => notifierJobs(loadEnvironment(NotifierEnvironment)) },
  [ServiceName.Outcomes]: { schema: 'outcomes' },
};

function serviceArgument(value: string): string {
  if (!SERVICES[value]) throw new InvalidArgumentError(`service must be one of ${Object.keys(SERVICES).join(', ')}`);
  return value;
}

const kindOption = () => new Option('--kind <kind>', 'only this kind of dead letter').choices(DEAD_LETTER_KINDS as string[]);

/** Opens every service's dead letters (or one service's) whose schema exists in DATABASE_URL's database. */
async function withDeadLetters<T>(only: string | undefined, work: (services: ServiceDeadLetters[]) => Promise<T>): Promise<T> {
  const env = loadEnvironment(BaseEnvironment);
  const dataSource = new DataSource({ type: 'postgres', url: env.DATABASE_URL });
  await dataSource.initialize();
  const opened: JobQueues[] = [];
  try {
    const services: ServiceDeadLetters[] = [];
    for (const [service, entry] of Object.entries(SERVICES)) {
      if (only && service !== only) continue;
      const [{ exists }] = await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS "exists"`, [`"${entry.schema}"."dead_letter"`]);
      if (!exists) continue;
      const [{ jobsTable }] = await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS "jobsTable"`, [`"${entry.schema}"."job_dead_letter"`]);
      const jobs = entry.jobs && jobsTable ? entry.jobs() : undefined;
      const queues = jobs ? new JobQueues({ redisUrl: env.REDIS_URL, redisPrefix: env.REDIS_PREFIX, settings: jobs.settings }) : undefined;
      if (queues) opened.push(queues);
      services.push(
        new ServiceDeadLetters({
          service,
          schema: entry.schema,
          dataSource,
          events: new DeadLetterStore(dataSource, {
            service,
            schema: entry.schema,
            redisUrl: env.REDIS_URL,
            redisPrefix: env.REDIS_PREFIX,
            maxAttempts: env.EVENT_MAX_ATTEMPTS,
            backoffMs: env.EVENT_BACKOFF_MS,
            outboxPollMs: env.OUTBOX_POLL_MS,
            sealingKey: env.EVENT_SEALING_KEY,
            outboxRetentionHours: env.OUTBOX_RETENTION_HOURS,
          }),
          jobs: jobs && queues ? { queues, replays: jobs.replays ?? {} } : undefined,
        }),
      );
    }
    if (only && services.length === 0) throw new Error(`${only} has no tables in this database (has it started once?)`);
    return await work(services);
  } finally {
    await Promise.all(opened.map((queues) => queues.close()));
    await dataSource.destroy();
  }
}

function describe(letter: DeadLetterEntry): string {
  return `${letter.id}  ${letter.failedAt.toISOString()}  ${letter.service}  ${letter.kind}  ${letter.name}  attempts ${letter.attempts}\n    ${letter.error}\n`;
}

const program = new Command('dead-letters').description('What each service gave up on (events, deliveries, status callbacks, reminders), and replaying it');

program
  .command('list')
  .argument('[service]', 'referral-intake, notifier or outcomes (default: all)', serviceArgument)
  .addOption(kindOption())
  .option('--json', 'print JSON instead of lines')
  .action(async (service: string | undefined, options: { kind?: DeadLetterKind; json?: boolean }) => {
    const letters = await withDeadLetters(service, async (services) => {
      const all: DeadLetterEntry[] = [];
      for (const deadLetters of services) all.push(...(await deadLetters.list(options.kind ? [options.kind] : undefined)));
      return all.sort((a, b) => a.failedAt.getTime() - b.failedAt.getTime());
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
      return;
    }
    if (letters.length === 0) process.stdout.write('No dead letters.\n');
    for (const letter of letters) process.stdout.write(describe(letter));
  });

program
  .command('replay')
  .argument('[ids...]', 'dead letter ids, from list')
  .option('--all', 'replay every open dead letter (of --service and --kind, when given)')
  .addOption(new Option('--service <service>', 'only this service').argParser(serviceArgument))
  .addOption(kindOption())
  .action(async (ids: string[], options: { all?: boolean; service?: string; kind?: DeadLetterKind }) => {
    if (!options.all && ids.length === 0) throw new Error('Name dead letter ids to replay, or pass --all');
    const kinds = options.kind ? [options.kind] : undefined;
    await withDeadLetters(options.service, async (services) => {
      const targets = options.all ? (await Promise.all(services.map((deadLetters) => deadLetters.list(kinds)))).flat().map((letter) => letter.id) : ids;
      if (targets.length === 0) process.stdout.write('No dead letters to replay.\n');
      for (const id of targets) {
        let replayed: DeadLetterEntry | undefined;
        for (const deadLetters of services) {
          replayed = await deadLetters.replay(id, kinds);
          if (replayed) break;
        }
        process.stdout.write(
          replayed ? `${id}: queued again (${replayed.service} ${replayed.kind}, ${replayed.name})\n` : `${id}: not dead-lettered (nothing to do)\n`,
        );
      }
    });
  });

program.parseAsync().catch((error: Error) => {
  process.stderr.write(`dead-letters: ${error.message}\n`);
  process.exit(1);
});
