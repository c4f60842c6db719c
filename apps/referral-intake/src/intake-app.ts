import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NEEDS, SNOMED_NEED_MAPPING, createServiceApp, httpTimeouts, setupApiDocs } from '@app/shared';
import { IntakeAppModule } from './app.module';
import { BATCH_ROUTE } from './referrals/referrals.controller';
import { SenderGate } from './senders/sender-gate';
import { INTAKE_SCHEMA, IntakeEnvironment } from './environment';
import codes from './referrals/data/codes.json';
import { fhirMappingMarkdown } from './referrals/fhir/fhir-mapping';
import { REFERRAL_CHANGE_PATHS } from './referrals/referral-changes.controller';
import { SENDER_ID_SCHEME, SIGNATURE_SCHEME } from './senders/sender-auth.guard';

export function setupIntakeApiDocs(app: NestFastifyApplication, env: IntakeEnvironment): void {
  const needs = NEEDS.map((need) => `\`${need.code}\` (${need.label})`).join(', ');
  setupApiDocs(app, {
    title: 'Social prescribing referral intake',
    description: [
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
        '**Refusals** list every problem in one answer: RFC 9457 `application/problem+json` with `errors: [{pointer, detail}]`, one per bad field, pointers into your body; ' +
          'requests sent as `application/fhir+json` (or with `Accept: application/fhir+json`) get a FHIR `OperationOutcome` instead, with the same HTTP status: ' +
          'one issue per bad field (`severity`, `code`, `diagnostics`, `expression` as FHIRPath).',
        `**FHIR references** are resolved within what you send (\`#id\` contained, Bundle \`fullUrl\`, relative \`Type/id\`). The ODS system is accepted as ${[codes.odsOrganisationSystem, ...codes.odsOrganisationSystemAliases].map((system) => `\`${system}\``).join(' and ')}: ${codes.odsOrganisationSystemAliasesNote}`,
        `**Status callbacks**: if you gave us a callback URL, we POST \`{"type": "referral.status-changed", "timestamp", "data": {referralId, senderReferralId, status, previousStatus, reason?, occurredAt, statusUrl}}\` ` +
          'signed the same way with your secret(s), retrying with exponential backoff for any non-2xx answer; 410 stops retries. ' +
          'A sender set to `fhir-task` gets the referral\'s FHIR R4 Task instead (`application/fhir+json`), as `GET /fhir/Task/{referralId}` shows it.',
        '**Cancel** (`POST /v1/referrals/{id}:cancel`) and **withdraw consent** (`POST /v1/referrals/{id}:withdraw-consent`), or in FHIR post the message again with its ServiceRequest revoked / entered-in-error or its Consent inactive / rejected.',
      fhirMappingMarkdown(),
      '**Signing guide** with copy-and-run examples (curl + openssl, Node, Python): `apps/referral-intake/docs/signing.md` in the repository.',
    ].join('\n\n'),
    serverUrl: env.PUBLIC_BASE_URL,
    securitySchemes: {
      [SENDER_ID_SCHEME]: { type: 'apiKey', in: 'header', name: 'X-Sender-Id', description: 'Your sender id, as registered with us.' },
      [SIGNATURE_SCHEME]: {
        type: 'apiKey',
        in: 'header',
        name: 'webhook-signature',
        description:
          'Standard Webhooks v1: "v1," + base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" with your secret, sent with webhook-id and webhook-timestamp. ' +
          'Computed per request, so "Try it out" here cannot sign for you: use the signing guide\'s scripts.',
      },
    },
    extraPaths: REFERRAL_CHANGE_PATHS,
    tags: [
      { name: 'referrals', description: 'Send referrals (our JSON, FHIR R4 ServiceRequest, BaRS message Bundle), cancel them, withdraw consent, read their status.' },
      { name: 'fhir', description: 'Follow a referral as a FHIR R4 Task (SDOH Clinical Care referral-management pattern).' },
    ],
  });
}

/** The intake service as main.ts runs it: the shared bootstrap, the batch body limit, and /docs. */
export async function createIntakeApp(env: IntakeEnvironment, options: { consumeEvents?: boolean } = {}): Promise<NestFastifyApplication> {
  const app = await createServiceApp({
    module: IntakeAppModule.forEnvironment(env),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    timeouts: httpTimeouts(env),
    schemas: [INTAKE_SCHEMA],
    bodyLimit: env.REFERRAL_BODY_LIMIT_BYTES,
    consumeEvents: options.consumeEvents,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // Only the batch route may carry a large body; every other route keeps the single-referral limit.
  fastify.addHook('onRoute', (route) => {
    if (route.url === BATCH_ROUTE) route.bodyLimit = env.BATCH_BODY_LIMIT_BYTES;
  });
  app.get(SenderGate).install(fastify);
  setupIntakeApiDocs(app, env);
  return app;
}
