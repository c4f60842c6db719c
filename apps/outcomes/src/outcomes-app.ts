import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp, httpTimeouts, setupApiDocs } from '@app/shared';
import { OutcomesAppModule } from './app.module';
import { COMMISSIONER_KEY_SCHEME } from './commissioners/commissioner.guard';
import { OUTCOMES_SCHEMA, OutcomesEnvironment } from './environment';
import { ORGANISATION_WEBHOOK_SCHEME } from './recording/webhook.controller';
import { RECORDER_KEY_SCHEME } from './recording/recorder.guard';

/** The outcomes service as main.ts starts it; tests start it the same way. */
export async function createOutcomesApp(env: OutcomesEnvironment): Promise<NestFastifyApplication> {
  const app = await createServiceApp({
    module: OutcomesAppModule.forEnvironment(env),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    timeouts: httpTimeouts(env),
    schemas: [OUTCOMES_SCHEMA],
  });
  setupApiDocs(app, {
    title: 'Social prescribing outcomes',
    description: [
      'What happened to each social prescribing referral: recorded by organisations and link workers, read pseudonymised by commissioners and evaluators.',
      '**Commissioners and evaluators** (`npm run commissioners -- add ...` prints your key once): `Authorization: Bearer <key>` for feeds, reports and the research extract. ' +
        'You see your own area only; every read is audited. Choose CSV, JSON or NDJSON with `Accept`.',
      '**Organisations and link workers** (`npm run recorders -- add-key ...`): `Authorization: Bearer <key>` to record outcomes and measures for referrals you accepted; ' +
        "or, from your own system, a Standard Webhooks message signed with your organisation's secret (`webhook-id`, `webhook-timestamp`, `webhook-signature`).",
      '**Refusals** are RFC 9457 `application/problem+json`, each bad field or query parameter named in `errors`.',
    ].join('\n\n'),
    securitySchemes: {
      [COMMISSIONER_KEY_SCHEME]: { type: 'http', scheme: 'bearer', description: "A commissioner's or evaluator's key" },
      [RECORDER_KEY_SCHEME]: { type: 'http', scheme: 'bearer', description: "An organisation's or link worker's recorder key" },
      [ORGANISATION_WEBHOOK_SCHEME]: {
        type: 'apiKey',
        in: 'header',
        name: 'webhook-signature',
        description: 'Standard Webhooks v1 signature over "{webhook-id}.{webhook-timestamp}.{body}" with the organisation\'s webhook secret, sent with webhook-id and webhook-timestamp.',
      },
    },
    tags: [
      { name: 'feeds', description: 'Every lifecycle event in your area, pseudonymised, page by page.' },
      { name: 'reports', description: 'Summaries for a month, quarter or year, with small numbers suppressed.' },
      { name: 'extracts', description: 'The research extract and its data dictionary.' },
      { name: 'recording', description: 'Outcomes and wellbeing measures, recorded by organisations and link workers.' },
    ],
  });
  return app;
}
