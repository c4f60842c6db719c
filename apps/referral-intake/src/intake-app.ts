import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createServiceApp } from '@app/shared';
import { IntakeAppModule } from './app.module';
import { DEV_SENDER_SECRET_KEY, INTAKE_SCHEMA, IntakeEnvironment } from './environment';
import codes from './referrals/data/codes.json';
import { NEEDS, SNOMED_NEED_MAPPING } from './referrals/validation/needs';

export function setupApiDocs(app: NestFastifyApplication, env: IntakeEnvironment): void {
  const needs = NEEDS.map((need) => `\`${need.code}\` (${need.label})`).join(', ');
  const config = new DocumentBuilder()
    .setTitle('Social prescribing referral intake')
    .setVersion('1')
    .setDescription(
      [
        'GP systems send social prescribing referrals here and hear back as they progress.',
        '',
        '**Register** as a sender with us: you get a sender id and a Standard Webhooks signing secret (`whsec_...`, shown once).',
        '**Sign** every request per Standard Webhooks v1: headers `webhook-id`, `webhook-timestamp` (Unix seconds, ±5 minutes), `webhook-signature` ' +
          '(`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` with your secret; GET signs an empty body), and `X-Sender-Id`. ' +
          'During a secret rotation both your secrets are accepted.',
        '**Retry safely**: repeat `webhook-id` (and `Idempotency-Key` if you use one) on a retry and you get the first response again. ' +
          `A key used with a different body is refused with 422; while the first request is still being processed, 409. Keys are kept ${env.IDEMPOTENCY_RETENTION_HOURS} hours; ` +
          'your `senderReferralId` is kept for ever, so the same referral is never taken twice.',
        `**Needs** (controlled list): ${needs}.`,
        `**SNOMED CT reason codes** (\`reasonCodes\`, or \`ServiceRequest.reasonCode\` with system http://snomed.info/sct) map onto needs: ${SNOMED_NEED_MAPPING.map(
          (entry) => `${entry.code} ${entry.display} → \`${entry.need}\``,
        ).join('; ')}. An unmapped code is refused, never guessed. A FHIR ServiceRequest must carry SNOMED CT ${codes.referralToSocialPrescribing.join(' or ')} (referral to social prescribing service) ` +
          'and reference an active Consent in supportingInfo.',
        '**Refusals** are RFC 9457 `application/problem+json` with `errors: [{pointer, detail}]`, one per bad field, pointers into your body.',
        `**Status callbacks**: if you gave us a callback URL, we POST \`{"type": "referral.status-changed", "timestamp", "data": {referralId, senderReferralId, status, previousStatus, reason?, occurredAt, statusUrl}}\` ` +
          'signed the same way with your secret(s), retrying with exponential backoff for any non-2xx answer; 410 stops retries.',
      ].join('\n\n'),
    )
    .addServer(env.PUBLIC_BASE_URL || '/')
    .build();
  const ui = canServeSwaggerUi();
  if (!ui) new Logger('ApiDocs').warn('Swagger UI needs @fastify/static, which cannot load here: serving /docs/openapi.json only');
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs/openapi.json', ui });
}

/** @fastify/static depends on ESM-only packages: Node 20.19+ loads them, Jest's module system does not. */
function canServeSwaggerUi(): boolean {
  try {
    require('@fastify/static');
    return true;
  } catch {
    return false;
  }
}

/** The intake service as main.ts runs it: the shared bootstrap, the batch body limit, and /docs. */
export async function createIntakeApp(env: IntakeEnvironment, options: { consumeEvents?: boolean } = {}): Promise<NestFastifyApplication> {
  const app = await createServiceApp({
    module: IntakeAppModule.forEnvironment(env),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    schemas: [INTAKE_SCHEMA],
    bodyLimit: env.BATCH_BODY_LIMIT_BYTES,
    consumeEvents: options.consumeEvents,
  });
  setupApiDocs(app, env);
  if (env.SENDER_SECRET_KEY === DEV_SENDER_SECRET_KEY && process.env.NODE_ENV === 'production') {
    new Logger('Senders').warn('SENDER_SECRET_KEY is the developer default: set your own, or signing secrets are not protected at rest');
  }
  return app;
}
