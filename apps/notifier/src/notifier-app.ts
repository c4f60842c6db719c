import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp, httpTimeouts, setupApiDocs } from '@app/shared';
import { NOTIFY_CALLBACK_SCHEME } from './delivery/receipts.controller';
import { ADMIN_API_KEY_HEADER, ADMIN_API_KEY_SCHEME } from './directory/admin-api-key.guard';
import { NotifierAppModule } from './app.module';
import { registerWorkspaceSessions } from './auth/workspace-http';
import { NOTIFIER_SCHEMA, NotifierEnvironment } from './environment';
import { mountQueueDashboard } from './operations/queue-dashboard';
import { registerPageAssets } from './pages';

/** The notifier as main.ts starts it; tests and the journey start it the same way. */
export async function createNotifierApp(env: NotifierEnvironment): Promise<NestFastifyApplication> {
  const app = await createServiceApp({
    module: NotifierAppModule.forEnvironment(env),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    timeouts: httpTimeouts(env),
    schemas: [NOTIFIER_SCHEMA],
  });
  // Nest's Fastify adapter already parses the accept/decline page's urlencoded forms (registering
  // @fastify/formbody as well is refused as a duplicate parser); CSV is ours to add, for directory imports.
  await registerWorkspaceSessions(app, env);
  await registerPageAssets(app);
  app.getHttpAdapter().getInstance().addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 }, (_request, body, done) => done(null, body));
  setupApiDocs(app, {
    title: 'Social prescribing notifier: admin API',
    description: [
      'The service directory, routing and notifications behind social prescribing referrals. This is the operators\' API; ' +
        'link workers and organisations use the pages they are sent to, not this API.',
      `**Authorise** with the admin key (\`NOTIFIER_ADMIN_API_KEY\`) in the \`${ADMIN_API_KEY_HEADER}\` header. ` +
        'GOV.UK Notify sends delivery receipts with the bearer token `NOTIFY_CALLBACK_TOKEN`.',
      '**Refusals** are RFC 9457 `application/problem+json`, each bad field named by a JSON pointer in `errors`.',
    ].join('\n\n'),
    securitySchemes: {
      [ADMIN_API_KEY_SCHEME]: { type: 'apiKey', in: 'header', name: ADMIN_API_KEY_HEADER, description: 'NOTIFIER_ADMIN_API_KEY' },
      [NOTIFY_CALLBACK_SCHEME]: { type: 'http', scheme: 'bearer', description: 'NOTIFY_CALLBACK_TOKEN, as set in GOV.UK Notify\'s callback settings' },
    },
    tags: [
      { name: 'directory', description: 'Organisations, services, link workers, practices, PCNs and the need taxonomy (Open Referral UK shapes).' },
      { name: 'notifications', description: 'What was sent about a referral, every attempt, and dead letters to replay.' },
      { name: 'notify-callbacks', description: 'Delivery receipts from GOV.UK Notify.' },
    ],
  });
  mountQueueDashboard(app, env);
  return app;
}
