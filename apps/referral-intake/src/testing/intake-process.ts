import { loadEnvironment } from '@app/shared';
import { IntakeEnvironment } from '../environment';
import { createIntakeApp } from '../intake-app';

/** Intake as a separate OS process, for tests that kill it mid-request. Prints "ready" once listening. */
async function main(): Promise<void> {
  const env = loadEnvironment(IntakeEnvironment);
  const app = await createIntakeApp(env);
  await app.listen(env.PORT, '127.0.0.1');
  process.stdout.write('ready\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
