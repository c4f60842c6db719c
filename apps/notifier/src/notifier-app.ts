import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp } from '@app/shared';
import { NotifierAppModule } from './app.module';
import { NOTIFIER_SCHEMA, NotifierEnvironment } from './environment';

/** The notifier as main.ts starts it; tests and the journey start it the same way. */
export async function createNotifierApp(env: NotifierEnvironment): Promise<NestFastifyApplication> {
  const app = await createServiceApp({
    module: NotifierAppModule.forEnvironment(env),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    schemas: [NOTIFIER_SCHEMA],
  });
  // Nest's Fastify adapter already parses the accept/decline page's urlencoded forms (registering
  // @fastify/formbody as well is refused as a duplicate parser); CSV is ours to add, for directory imports.
  app.getHttpAdapter().getInstance().addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 }, (_request, body, done) => done(null, body));
  return app;
}
