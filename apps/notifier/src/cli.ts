import { Command } from 'commander';
import { DataSource } from 'typeorm';
import { loadEnvironment, openServiceDataSource } from '@app/shared';
import { NOTIFIER_ENTITIES, NOTIFIER_MIGRATIONS } from './app.module';
import { importDirectoryFile } from './directory/directory-seeder';
import { DirectoryStore } from './directory/directory.store';
import { NOTIFIER_SCHEMA, NotifierEnvironment } from './environment';

/**
 * Operator commands, run against the same DATABASE_URL as the service:
 *   notifier-cli directory import <file.json|file.csv>
 * Dead letters (deliveries, reminders, events) are `npm run dead-letters`, for every service alike.
 */
async function withServices<T>(work: (services: { dataSource: DataSource; directory: DirectoryStore }) => Promise<T>): Promise<T> {
  const env = loadEnvironment(NotifierEnvironment);
  const dataSource = await openServiceDataSource({ url: env.DATABASE_URL, schema: NOTIFIER_SCHEMA, entities: NOTIFIER_ENTITIES, migrations: NOTIFIER_MIGRATIONS });
  try {
    return await work({ dataSource, directory: new DirectoryStore(dataSource) });
  } finally {
    await dataSource.destroy();
  }
}

const program = new Command('notifier-cli').description('Notifier operations: the directory');

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
