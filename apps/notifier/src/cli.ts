import { Command } from 'commander';
import { DataSource } from 'typeorm';
import { loadEnvironment, serviceDataSourceOptions } from '@app/shared';
import { NOTIFIER_ENTITIES, NOTIFIER_MIGRATIONS } from './app.module';
import { DeadLetters } from './delivery/dead-letters.service';
import { DeliveryQueues } from './delivery/delivery-queues';
import { importDirectoryFile } from './directory/directory-seeder';
import { DirectoryStore } from './directory/directory.store';
import { NOTIFIER_SCHEMA, NotifierEnvironment } from './environment';

/**
 * Operator commands, run against the same DATABASE_URL / REDIS_URL / REDIS_PREFIX as the service:
 *   notifier-cli dead-letters list [--json]
 *   notifier-cli dead-letters replay <notification-id...> | --all
 *   notifier-cli directory import <file.json|file.csv>
 */
async function withServices<T>(work: (services: { dataSource: DataSource; deadLetters: DeadLetters; directory: DirectoryStore }) => Promise<T>): Promise<T> {
  const env = loadEnvironment(NotifierEnvironment);
  const dataSource = new DataSource({
    ...serviceDataSourceOptions({ url: env.DATABASE_URL, schema: NOTIFIER_SCHEMA, entities: NOTIFIER_ENTITIES, migrations: NOTIFIER_MIGRATIONS }),
    migrationsRun: false,
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  const queues = new DeliveryQueues(env);
  try {
    return await work({ dataSource, deadLetters: new DeadLetters(dataSource, queues), directory: new DirectoryStore(dataSource) });
  } finally {
    await queues.close();
    await dataSource.destroy();
  }
}

const program = new Command('notifier-cli').description('Notifier operations: dead-lettered notifications and the directory');

const deadLetters = program.command('dead-letters').description('Notifications that failed after their last attempt');

deadLetters
  .command('list')
  .option('--json', 'print JSON instead of a table')
  .action(async (options: { json?: boolean }) => {
    const rows = await withServices(({ deadLetters: store }) => store.list());
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) process.stdout.write('No dead-lettered notifications.\n');
    for (const row of rows) {
      process.stdout.write(`${row.id}  ${row.failedAt?.toISOString() ?? ''}  ${row.channel}  ${row.kind}  referral ${row.referralId}  attempts ${row.attempts}  ${row.lastError ?? ''}\n`);
    }
  });

deadLetters
  .command('replay')
  .argument('[ids...]', 'notification ids to replay')
  .option('--all', 'replay every dead-lettered notification')
  .action(async (ids: string[], options: { all?: boolean }) => {
    await withServices(async ({ deadLetters: store }) => {
      const targets = options.all ? (await store.list()).map((row) => row.id) : ids;
      if (targets.length === 0) throw new Error('Name notification ids to replay, or pass --all');
      for (const id of targets) {
        process.stdout.write(`${id}: ${(await store.replay(id)) ? 'queued again' : 'not dead-lettered (nothing to do)'}\n`);
      }
    });
  });

program
  .command('directory')
  .description('Directory maintenance')
  .command('import')
  .argument('<file>', 'a directory document (.json) or organisations (.csv)')
  .action(async (file: string) => {
    const summary = await withServices(({ directory }) => importDirectoryFile(directory, file));
    process.stdout.write(`Imported ${JSON.stringify(summary)}\n`);
  });

program.parseAsync(process.argv).catch((error: Error) => {
  process.stderr.write(`notifier-cli: ${error.message}\n`);
  process.exit(1);
});
