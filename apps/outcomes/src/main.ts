import { exitOnStartupFailure, loadEnvironment } from '@app/shared';
import { OUTCOMES_SERVICE, OutcomesEnvironment } from './environment';
import { createOutcomesApp } from './outcomes-app';

async function bootstrap(): Promise<void> {
  const env = loadEnvironment(OutcomesEnvironment);
  const app = await createOutcomesApp(env);
  app.enableShutdownHooks();
  await app.listen(env.PORT, '0.0.0.0');
}

bootstrap().catch(exitOnStartupFailure(OUTCOMES_SERVICE));
