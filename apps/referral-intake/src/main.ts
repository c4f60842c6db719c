import { createServiceApp, exitOnStartupFailure, loadEnvironment } from '@app/shared';
import { IntakeAppModule } from './app.module';
import { INTAKE_SCHEMA, INTAKE_SERVICE, IntakeEnvironment } from './environment';

async function bootstrap(): Promise<void> {
  const env = loadEnvironment(IntakeEnvironment);
  const app = await createServiceApp({
    module: IntakeAppModule.forEnvironment(env),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    schemas: [INTAKE_SCHEMA],
  });
  app.enableShutdownHooks();
  await app.listen(env.PORT, '0.0.0.0');
}

bootstrap().catch(exitOnStartupFailure(INTAKE_SERVICE));
