import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { EventType, RegisteredRoute, registeredRoutes } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { ActionLinkSigner } from '../apps/notifier/src/actions/action-link';
import { NotifierHarness, receivedPayload, startNotifier } from '../apps/notifier/src/testing/notifier-test-app';
import { CommissionerStore } from '../apps/outcomes/src/commissioners/commissioner.store';
import { Secrets } from '../apps/outcomes/src/privacy/secrets';
import { RecordingStore } from '../apps/outcomes/src/recording/recording.store';
import { OutcomesHarness, followUp, receivedEvent, startOutcomes } from '../apps/outcomes/src/testing/harness';
import { FHIR_SERVICE_REQUEST_EXAMPLE, JSON_REFERRAL_EXAMPLE } from '../apps/referral-intake/src/referrals/examples';
import { IntakeHarness, startIntake } from '../apps/referral-intake/src/testing/intake-harness';
import { NOTIFIER_SCHEMA } from '../apps/notifier/src/environment';
import { OUTCOMES_SCHEMA } from '../apps/outcomes/src/environment';

/**
 * Property-based attack on every route of every service (issue 9): generated bodies, headers, query
 * strings and path parameters, with and without valid credentials. No answer may be a 5xx, and a refused
 * request (4xx) may store nothing, and every answer but static files says Cache-Control: no-store. Routes come from each app's Fastify route table, so routes added
 * later are attacked too. FUZZ_RUNS sets the runs per route (default sized for about a minute in total);
 * FUZZ_ROUTE attacks only the routes whose "service METHOD /url" contains it (to chase one failure with many runs).
 */
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 35);

/**
 * Tables that legitimately change on a refusal (audit of refused reads) or by background work (the
 * outbox grows as deliveries finish: a refused request's own events are looked up by correlation id).
 */
const NOT_STORED_BY_REQUESTS = /audit|session|inbox|dead_letter|_attempt$|migrations|job_run|job$|^outbox$/;

/** Files that are the same for everyone (API docs, page assets): they may be cached. */
const STATIC_ROUTES = /^\/(docs|assets|static|nhsuk)(\/|-|$)/;

interface Credentials {
  /** Headers that authenticate this request to this route, given the exact body bytes. */
  valid(route: RegisteredRoute, path: string, body: string): Record<string, string>;
  /** Values worth trying for a path parameter (ids that exist, tokens that verify). */
  knownParams: string[];
  /** A realistic body for a route, to mutate. */
  example(route: RegisteredRoute): unknown;
}

interface Target {
  service: string;
  fastify: FastifyInstance;
  dataSource: DataSource;
  schema: string;
  credentials: Credentials;
}

let intake: IntakeHarness;
let notifier: NotifierHarness;
let outcomes: OutcomesHarness;
const targets: Target[] = [];

beforeAll(async () => {
  [intake, notifier, outcomes] = await Promise.all([startIntake('fuzz'), startNotifier('fuzz'), startOutcomes('fuzz')]);

  const sender = await intake.addSender();
  const referral = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: { ...JSON_REFERRAL_EXAMPLE, senderReferralId: `FUZZ-${randomUUID()}` } });
  const { referralId: intakeReferralId } = await referral.json();
  targets.push({
    service: 'referral-intake',
    fastify: intake.app.getHttpAdapter().getInstance(),
    dataSource: intake.dataSource,
    schema: 'intake',
    credentials: {
      valid: (route, _path, body) => {
        const webhookId = `msg_${randomUUID()}`;
        const timestamp = new Date();
        return {
          'x-sender-id': sender.id,
          'webhook-id': webhookId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': new Webhook(sender.secret).sign(webhookId, timestamp, route.method === 'GET' ? '' : body),
        };
      },
      knownParams: [intakeReferralId],
      example: (route) =>
        route.url.includes('batch') ? { referrals: [{ ...JSON_REFERRAL_EXAMPLE, senderReferralId: `FUZZ-${randomUUID()}` }] } : route.url.includes('referrals') ? JSON_REFERRAL_EXAMPLE : FHIR_SERVICE_REQUEST_EXAMPLE,
    },
  });

  const event = await notifier.receive(receivedPayload({ needs: ['loneliness'] }));
  await notifier.handled(event.jobId);
  const tasks: Array<{ id: string }> = await notifier.dataSource.query(`SELECT "id" FROM "${NOTIFIER_SCHEMA}"."task" WHERE "referral_id" = $1`, [event.referralId]);
  const signer = new ActionLinkSigner(notifier.env.ACTION_LINK_SECRET, 60_000);
  const [organisation] = await notifier.dataSource.query(`SELECT "id" FROM "${NOTIFIER_SCHEMA}"."organisation" LIMIT 1`);
  targets.push({
    service: 'notifier',
    fastify: notifier.app.getHttpAdapter().getInstance(),
    dataSource: notifier.dataSource,
    schema: 'notifier',
    credentials: {
      valid: () => ({ 'x-api-key': notifier.env.NOTIFIER_ADMIN_API_KEY, authorization: `Bearer ${notifier.env.NOTIFY_CALLBACK_TOKEN}` }),
      knownParams: [event.referralId, organisation.id, ...tasks.map((task) => signer.sign(task.id).token)],
      example: (route) =>
        route.url.startsWith('/t/')
          ? { decision: 'decline', reason: 'other', reasonText: 'No space this month' }
          : route.url.includes('notify')
            ? { id: randomUUID(), reference: randomUUID(), status: 'delivered', notification_type: 'sms', completed_at: new Date().toISOString() }
            : route.url.includes('accepting')
              ? { acceptingReferrals: false }
              : { pcns: [{ odsCode: 'U12345', name: 'PCN', leadLinkWorkerId: randomUUID() }], practices: [{ odsCode: 'A12345', name: 'Surgery', pcnOdsCode: 'U12345' }] },
    },
  });

  const organisationId = randomUUID();
  const linkWorkerId = randomUUID();
  const { apiKey: commissionerKey } = await new CommissionerStore(outcomes.dataSource).register({ name: 'Fuzz ICB', scope: { level: 'practice', codes: ['A81001'] } });
  const { apiKey: recorderKey } = await new RecordingStore(outcomes.dataSource).registerKey({ kind: 'link-worker', id: linkWorkerId });
  const webhookSecret = await new RecordingStore(outcomes.dataSource).rotateWebhookSecret(outcomes.app.get(Secrets), organisationId);
  const received = receivedEvent({ occurredAt: new Date(Date.now() - 86_400_000) });
  await outcomes.deliver(
    received,
    followUp(EventType.ReferralRouted, received.referralId, { linkWorkerId, tasks: [{ recipientType: 'organisation', recipientId: organisationId, reason: 'fuzz' }] }, new Date(Date.now() - 86_000_000)),
  );
  await eventually(async () => (await outcomes.dataSource.query(`SELECT 1 FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1 AND "status" = 'routed'`, [received.referralId])).length === 1);
  targets.push({
    service: 'outcomes',
    fastify: outcomes.app.getHttpAdapter().getInstance(),
    dataSource: outcomes.dataSource,
    schema: 'outcomes',
    credentials: {
      valid: (route, _path, body): Record<string, string> => {
        if (route.url.startsWith('/v1/webhooks')) {
          const webhookId = `msg_${randomUUID()}`;
          const timestamp = new Date();
          return { 'webhook-id': webhookId, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': new Webhook(webhookSecret).sign(webhookId, timestamp, body) };
        }
        return { authorization: `Bearer ${route.url.startsWith('/v1/referrals') ? recorderKey : commissionerKey}` };
      },
      knownParams: [received.referralId, organisationId],
      example: (route) =>
        route.url.endsWith('measures')
          ? { measure: 'ONS4', timepoint: 'start', items: [5, 5, 5, 5] }
          : route.url.startsWith('/v1/webhooks')
            ? { referralId: received.referralId, type: 'contacted' }
            : { type: 'closed', reason: 'moved-away' },
    },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([intake?.close(), notifier?.close(), outcomes?.close()]);
});

async function storedRows(target: Target): Promise<Record<string, number>> {
  const tables: Array<{ table_name: string }> = await target.dataSource.query(
    `SELECT "table_name" FROM information_schema.tables WHERE "table_schema" = $1 AND "table_type" = 'BASE TABLE' ORDER BY 1`,
    [target.schema],
  );
  const counted = tables.map((row) => row.table_name).filter((name) => !NOT_STORED_BY_REQUESTS.test(name));
  if (counted.length === 0) return {};
  const [row] = await target.dataSource.query(`SELECT ${counted.map((name) => `(SELECT count(*) FROM "${target.schema}"."${name}")::int AS "${name}"`).join(', ')}`);
  return row;
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', '\u0000', 'a\u0000b', '\ud800', '\udfff x', '2026-W48-3', '2026-02-30', '-1', '1e400', 'NaN', '__proto__', 'constructor', '9'.repeat(40), 'x'.repeat(9000), '../../etc/passwd', "' OR 1=1 --", '=HYPERLINK("x")'),
);

const jsonLeaf = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.array(text, { maxLength: 3 }), fc.dictionary(text, text, { maxKeys: 3 }));

/** Replaces one leaf (or adds one property) of a realistic body, so generated requests reach deep validation. */
function mutate(example: unknown, pick: number, value: unknown, addKey: string | null): unknown {
  const copy = JSON.parse(JSON.stringify(example ?? {}));
  const holders: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (node: unknown) => {
    if (node && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        holders.push([node as Record<string, unknown>, Array.isArray(node) ? Number(key) : key]);
        walk((node as Record<string, unknown>)[key]);
      }
    }
  };
  walk(copy);
  if (addKey !== null && copy && typeof copy === 'object' && !Array.isArray(copy)) {
    (copy as Record<string, unknown>)[addKey] = value;
    return copy;
  }
  if (holders.length === 0) return value;
  const [holder, key] = holders[pick % holders.length];
  (holder as Record<string | number, unknown>)[key] = value;
  return copy;
}

function bodyFor(target: Target, route: RegisteredRoute): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.nat(), jsonLeaf, fc.option(text, { freq: 4 })).map(([pick, value, addKey]) => JSON.stringify(mutate(target.credentials.example(route), pick, value, addKey))) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: text },
    { weight: 1, arbitrary: fc.constantFrom('{"a":', '[', 'null', '"x"', `${'['.repeat(5000)}${']'.repeat(5000)}`, 'decision=decline&reason=other&reasonText=%00', 'decision=accept&decision=decline') },
    { weight: 1, arbitrary: fc.webSegment().map((segment) => `organisation_id,organisation_name,service_id\n${segment},"=cmd",${segment}\n`) },
  );
}

const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,60}$/);

function requestFor(target: Target, route: RegisteredRoute) {
  const params = (literalColons(route.url).match(/:[A-Za-z0-9_]+/g) ?? []).length;
  const param = fc.oneof(
    fc.constantFrom(...target.credentials.knownParams),
    fc.uuid(),
    text.filter((value) => value.length > 0).map(percentEncoded),
    fc.constantFrom('%ED%A0%80', '%00', '%', '..%2F..', '%C0%AF'),
  );
  return fc.record({
    params: fc.array(param, { minLength: params, maxLength: params }),
    query: fc.array(fc.tuple(fc.oneof(fc.constantFrom('need', 'limit', 'cursor', 'from', 'to', 'since', 'format', 'period', 'practice', 'level', 'status', 'after'), text), text), { maxLength: 4 }),
    auth: fc.constantFrom('valid', 'valid', 'none', 'garbage'),
    contentType: fc.constantFrom(undefined, 'application/json', 'application/json', 'application/fhir+json', 'application/x-www-form-urlencoded', 'text/csv', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x'),
    accept: fc.option(fc.constantFrom('application/json', 'text/csv', 'application/x-ndjson', 'text/html', '*/*', 'application/fhir+json', 'image/png', ';;;'), { nil: undefined }),
    extra: fc.dictionary(fc.constantFrom('idempotency-key', 'x-request-id', 'x-correlation-id', 'x-sender-id', 'webhook-id', 'range', 'if-none-match'), headerValue, { maxKeys: 2 }),
    body: route.method === 'GET' ? fc.constant('') : bodyFor(target, route),
  });
}

/** In a Fastify route "::" is a literal colon (POST /v1/referrals::batch serves /v1/referrals:batch), not a parameter. */
function literalColons(url: string): string {
  return url.replace(/::/g, '\u0001');
}

/** Every byte of the UTF-8 form percent-encoded (encodeURIComponent refuses lone surrogates). */
function percentEncoded(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

type Generated = ReturnType<typeof requestFor> extends fc.Arbitrary<infer T> ? T : never;

const statuses = new Map<string, number>();

async function attack(target: Target, route: RegisteredRoute, generated: Generated): Promise<void> {
  let index = 0;
  const path = literalColons(route.url)
    .replace(/:[A-Za-z0-9_]+/g, () => generated.params[index++])
    .replace(/\*$/, 'swagger-ui.css')
    .replace(/\u0001/g, ':');
  const query = generated.query.length ? `?${new URLSearchParams(generated.query).toString()}` : '';
  const correlationId = randomUUID();
  const headers: Record<string, string> = { ...generated.extra, 'x-correlation-id': correlationId };
  if (generated.contentType && route.method !== 'GET') headers['content-type'] = generated.contentType;
  if (generated.accept) headers.accept = generated.accept;
  if (generated.auth === 'valid') Object.assign(headers, target.credentials.valid(route, path, generated.body));
  if (generated.auth === 'garbage') Object.assign(headers, { authorization: 'Bearer garbage', 'x-api-key': 'garbage-key', 'x-sender-id': 'garbage' });
  const before = await storedRows(target);
  const response = await target.fastify.inject({ method: route.method as never, url: `${path}${query}`, headers, ...(route.method === 'GET' ? {} : { payload: generated.body }) });
  if (process.env.FUZZ_DEBUG) statuses.set(`${target.service} ${route.method} ${route.url} ${response.statusCode}`, (statuses.get(`${target.service} ${route.method} ${route.url} ${response.statusCode}`) ?? 0) + 1);
  const described = `${target.service} ${route.method} ${path}${query} → ${response.statusCode} ${response.body.slice(0, 300)}`;
  if (response.statusCode >= 500) throw new Error(`5xx: ${described}`);
  const contentType = String(response.headers['content-type'] ?? '');
  if (response.statusCode >= 400 && !/problem\+json|fhir\+json|text\/html/.test(contentType)) throw new Error(`a refusal that is not problem+json, a FHIR OperationOutcome or a page: ${described}`);
  const cacheControl = String(response.headers['cache-control'] ?? '');
  if (response.statusCode < 300 && !STATIC_ROUTES.test(route.url) && !cacheControl.includes('no-store')) throw new Error(`no Cache-Control: no-store on ${described}`);
  if (response.statusCode >= 400) {
    const after = await storedRows(target);
    const [events] = await target.dataSource.query(`SELECT count(*)::int AS "count" FROM "${target.schema}"."outbox" WHERE "envelope"->>'correlationId' = $1`, [correlationId]);
    if (events.count > 0) throw new Error(`a refusal published an event: ${described}`);
    if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`a refusal stored something: ${described}\nbefore ${JSON.stringify(before)}\nafter  ${JSON.stringify(after)}`);
  }
}

describe('every route of every service, attacked with generated input', () => {
  it('discovers the routes from the Fastify route tables', () => {
    const all = targets.flatMap((target) => registeredRoutes(target.fastify).map((route) => `${target.service} ${route.method} ${route.url}`));
    expect(all).toEqual(expect.arrayContaining(['referral-intake POST /v1/referrals', 'notifier POST /t/:token', 'outcomes GET /v1/feeds/outcomes', 'outcomes GET /health']));
  });

  it('never answers 5xx, and stores nothing when it refuses', async () => {
    for (const target of targets) {
      for (const route of registeredRoutes(target.fastify).filter((r) => !process.env.FUZZ_ROUTE || `${target.service} ${r.method} ${r.url}`.includes(process.env.FUZZ_ROUTE))) {
        await fc.assert(
          fc.asyncProperty(requestFor(target, route), (generated) => attack(target, route, generated)),
          { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
        );
      }
    }
    if (process.env.FUZZ_DEBUG) process.stdout.write(`${[...statuses].sort().map(([key, count]) => `${key}: ${count}`).join('\n')}\n`);
  }, 300_000);
});
