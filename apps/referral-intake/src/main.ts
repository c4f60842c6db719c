import { exitOnStartupFailure, loadEnvironment } from '@app/shared';
import { INTAKE_SERVICE, IntakeEnvironment } from './environment';
import { createIntakeApp } from './intake-app';

async function bootstrap(): Promise<void> {
  const env = loadEnvironment(IntakeEnvironment);
  const app = await createIntakeApp(env);
  app.enableShutdownHooks();
  await app.listen(env.PORT, '0.0.0.0');
}

bootstrap().catch(exitOnStartupFailure(INTAKE_SERVICE));
