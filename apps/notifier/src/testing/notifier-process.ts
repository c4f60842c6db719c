import { loadEnvironment } from '@app/shared';
import { NotifierEnvironment } from '../environment';
import { createNotifierApp } from '../notifier-app';

/** The notifier as a separate OS process, for tests that kill it mid-work. Prints "ready" once listening. */
async function main(): Promise<void> {
  const env = loadEnvironment(NotifierEnvironment);
  const app = await createNotifierApp(env);
  await app.listen(env.PORT, '127.0.0.1');
  process.stdout.write('ready\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
