import { createServiceApp, exitOnStartupFailure, loadEnvironment } from '@app/shared';
import { OutcomesAppModule } from './app.module';
import { OUTCOMES_SCHEMA, OUTCOMES_SERVICE, OutcomesEnvironment } from './environment';

async function bootstrap(): Promise<void> {
  const env = loadEnvironment(OutcomesEnvironment);
  const app = await createServiceApp({
    module: OutcomesAppModule.forEnvironment(env),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    schemas: [OUTCOMES_SCHEMA],
  });
  app.enableShutdownHooks();
  await app.listen(env.PORT, '0.0.0.0');
}

bootstrap().catch(exitOnStartupFailure(OUTCOMES_SERVICE));
