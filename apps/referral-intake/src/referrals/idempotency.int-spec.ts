import { randomUUID } from 'node:crypto';
import { IntakeHarness, startIntake } from '../testing/intake-harness';
import { JSON_REFERRAL_EXAMPLE } from './examples';
import { IdempotencyStore } from './idempotency';
import bundleFixture from './fhir/fixtures/bars-message-bundle.json';
import serviceRequestFixture from './fhir/fixtures/service-request-contained.json';
import { INTAKE_SCHEMA } from '../environment';

let intake: IntakeHarness;
let sender: { id: string; secret: string };

beforeAll(async () => {
  intake = await startIntake('intake_idempotency');
  sender = await intake.addSender({ practiceOdsCodes: ['B86016', 'A81001', 'Y02345'] });
});

afterAll(async () => {
  await intake?.close();
});

const referral = (overrides: Record<string, unknown> = {}) => ({ ...structuredClone(JSON_REFERRAL_EXAMPLE), senderReferralId: `REF-${randomUUID()}`, ...overrides });
const withoutSenderId = () => {
  const body: Record<string, unknown> = referral();
  delete body.senderReferralId;
  return body;
};
const post = (path: string, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json') =>
  intake.send(path, { senderId: sender.id, secrets: [sender.secret], body: body as object, headers, contentType });

describe('idempotency', () => {
  it('replays the first response for the same Idempotency-Key and body, publishing nothing more', async () => {
    const key = `"${randomUUID()}"`;
    const body = withoutSenderId();
    const first = await post('/v1/referrals', body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    const before = await intake.counts();
    const retry = await post('/v1/referrals', body, { 'idempotency-key': key });
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(firstBody);
    const after = await intake.counts();
    expect({ referrals: after.referrals, outbox: after.outbox }).toEqual({ referrals: before.referrals, outbox: before.outbox });
  });

  it('refuses the same Idempotency-Key with a different body: 422, nothing stored', async () => {
    const key = randomUUID();
    expect((await post('/v1/referrals', withoutSenderId(), { 'idempotency-key': key })).status).toBe(202);
    const before = await intake.counts();
    const other = await post('/v1/referrals', { ...withoutSenderId(), urgency: 'urgent' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect((await other.json()).detail).toMatch(/Idempotency-Key was already used for a different request/);
    expect(await intake.counts()).toEqual(before);
  });

  it('answers 409 with Retry-After while the first request with a key is in flight', async () => {
    const key = randomUUID();
    const body = withoutSenderId();
    await intake.dataSource.query(
      `INSERT INTO "${INTAKE_SCHEMA}"."idempotency_key" ("sender_id", "scope", "key", "request_hash", "expires_at")
       VALUES ($1, 'idempotency-key', $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'), now() + interval '1 hour')`,
      [sender.id, key, JSON.stringify(body)],
    );
    const before = await intake.counts();
    const response = await post('/v1/referrals', body, { 'idempotency-key': key });
    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await intake.counts()).toEqual(before);
  });

  it('lets exactly one of many concurrent requests with one key through', async () => {
    const key = randomUUID();
    const body = withoutSenderId();
    const before = await intake.counts();
    const responses = await Promise.all(Array.from({ length: 8 }, () => post('/v1/referrals', body, { 'idempotency-key': key })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 202 || status === 409)).toBe(true);
    const ids = new Set(await Promise.all(responses.filter((response) => response.status === 202).map(async (response) => (await response.json()).referralId)));
    expect(ids.size).toBe(1);
    const after = await intake.counts();
    expect(after.referrals - before.referrals).toBe(1);
    expect(after.outbox - before.outbox).toBe(1);
  });

  it('answers a repeated senderReferralId with the first referralId, and refuses it for different content', async () => {
    const body = referral();
    const first = await post('/v1/referrals', body);
    const { referralId } = await first.json();
    const before = await intake.counts();
    const again = await post('/v1/referrals', body);
    expect(again.status).toBe(202);
    expect((await again.json()).referralId).toBe(referralId);
    expect(await intake.counts()).toEqual(before);
    const changed = await post('/v1/referrals', { ...body, notes: 'A different referral' });
    expect(changed.status).toBe(422);
    expect((await changed.json()).errors).toEqual([{ pointer: '/senderReferralId', detail: expect.stringContaining('already used') }]);
    expect(await intake.counts()).toEqual(before);
  });

  it('treats a FHIR ServiceRequest resent by its identifier as the same referral', async () => {
    const payload = structuredClone(serviceRequestFixture);
    payload.identifier[0].value = `EMIS-${randomUUID()}`;
    const first = await post('/v1/referrals', payload, {}, 'application/fhir+json');
    const again = await post('/v1/referrals', payload, {}, 'application/fhir+json');
    expect(first.status).toBe(202);
    expect((await again.json()).referralId).toBe((await first.json()).referralId);
  });

  it('uses a BaRS X-Request-ID as the idempotency key of a FHIR message', async () => {
    const requestId = randomUUID();
    const payload = structuredClone(bundleFixture);
    payload.entry[1].resource.identifier![0].value = `TPP-${randomUUID()}`;
    const first = await post('/v1/referrals', payload, { 'x-request-id': requestId }, 'application/fhir+json');
    expect(first.status).toBe(202);
    const before = await intake.counts();
    const retry = await post('/v1/referrals', payload, { 'x-request-id': requestId }, 'application/fhir+json');
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await retry.json()).referralId).toBe((await first.json()).referralId);
    payload.entry[1].resource.identifier![0].value = `TPP-${randomUUID()}`;
    const reused = await post('/v1/referrals', payload, { 'x-request-id': requestId }, 'application/fhir+json');
    expect(reused.status).toBe(422);
    expect(await intake.counts()).toEqual(before);
  });

  it('keeps keys for the published retention', async () => {
    const key = randomUUID();
    await post('/v1/referrals', withoutSenderId(), { 'idempotency-key': key });
    const [row] = await intake.dataSource.query(
      `SELECT round(extract(epoch FROM "expires_at" - "created_at") / 3600) AS hours, "state" FROM "${INTAKE_SCHEMA}"."idempotency_key" WHERE "key" = $1`,
      [key],
    );
    expect(row).toEqual({ hours: '72', state: 'completed' });
  });

  it('forgets keys after the retention: purged, and an expired key starts afresh', async () => {
    const key = randomUUID();
    const first = await post('/v1/referrals', withoutSenderId(), { 'idempotency-key': key });
    await intake.dataSource.query(`UPDATE "${INTAKE_SCHEMA}"."idempotency_key" SET "expires_at" = now() - interval '1 second' WHERE "key" = $1`, [key]);
    const reused = await post('/v1/referrals', withoutSenderId(), { 'idempotency-key': key });
    expect(reused.status).toBe(202);
    expect((await reused.json()).referralId).not.toBe((await first.json()).referralId);
    await intake.dataSource.query(`UPDATE "${INTAKE_SCHEMA}"."idempotency_key" SET "expires_at" = now() - interval '1 second' WHERE "key" = $1`, [key]);
    expect(await intake.app.get(IdempotencyStore).purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await intake.dataSource.query(`SELECT 1 FROM "${INTAKE_SCHEMA}"."idempotency_key" WHERE "key" = $1`, [key])).toEqual([]);
  });
});

describe('batch', () => {
  it('answers each item, stores the good ones, and replays the whole answer', async () => {
    const good = referral();
    const invalid = referral({ consentToShare: false });
    const notServed = referral({ practiceOdsCode: 'C84001' });
    const webhookId = `msg_${randomUUID()}`;
    const before = await intake.counts();
    const response = await intake.send('/v1/referrals:batch', { senderId: sender.id, secrets: [sender.secret], body: { referrals: [good, invalid, notServed] }, webhookId });
    expect(response.status).toBe(200);
    const answer = await response.json();
    expect(answer).toMatchObject({
      accepted: 1,
      refused: 2,
      results: [
        { index: 0, status: 202, referralId: expect.any(String), senderReferralId: good.senderReferralId, duplicate: false },
        { index: 1, status: 422, problem: { status: 422, errors: [{ pointer: '/referrals/1/consentToShare', detail: expect.any(String) }] } },
        { index: 2, status: 403, senderReferralId: notServed.senderReferralId, problem: { status: 403 } },
      ],
    });
    const after = await intake.counts();
    expect({ referrals: after.referrals - before.referrals, outbox: after.outbox - before.outbox }).toEqual({ referrals: 1, outbox: 1 });
    const replay = await intake.send('/v1/referrals:batch', { senderId: sender.id, secrets: [sender.secret], body: { referrals: [good, invalid, notServed] }, webhookId });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(answer);
    const resent = await post('/v1/referrals:batch', { referrals: [good] });
    expect((await resent.json()).results[0]).toMatchObject({ status: 202, referralId: answer.results[0].referralId, duplicate: true });
    expect(await intake.counts()).toEqual({ ...after, keys: expect.any(Number) });
  });

  it('stores nothing, not even keys, when every item is refused', async () => {
    const before = await intake.counts();
    const response = await post('/v1/referrals:batch', { referrals: [referral({ needs: ['astrology'] })] }, { 'idempotency-key': randomUUID() });
    expect(response.status).toBe(200);
    expect((await response.json()).accepted).toBe(0);
    expect(await intake.counts()).toEqual(before);
  });

  it('takes 1,000 referrals and refuses 1,001 or a malformed batch with 422', async () => {
    const before = await intake.counts();
    const thousand = Array.from({ length: 1000 }, () => referral());
    const response = await post('/v1/referrals:batch', { referrals: thousand });
    expect(response.status).toBe(200);
    expect((await response.json()).accepted).toBe(1000);
    const after = await intake.counts();
    expect(after.referrals - before.referrals).toBe(1000);
    expect(after.outbox - before.outbox).toBe(1000);
    for (const body of [{ referrals: [...thousand, referral()] }, { referrals: [] }, { referrals: thousand.slice(0, 1), extra: true }, [referral()]]) {
      const refused = await post('/v1/referrals:batch', body);
      expect(refused.status).toBe(422);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(await intake.counts()).toEqual(after);
  });

  it('takes a FHIR batch Bundle of ServiceRequests, naming bad entries by pointer', async () => {
    const first = structuredClone(serviceRequestFixture);
    first.identifier[0].value = `EMIS-${randomUUID()}`;
    const bad = structuredClone(serviceRequestFixture);
    bad.identifier[0].value = `EMIS-${randomUUID()}`;
    bad.contained[0].birthDate = '2999-01-01';
    const response = await post('/v1/referrals:batch', { resourceType: 'Bundle', type: 'batch', entry: [{ resource: first }, { resource: bad }] }, {}, 'application/fhir+json');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      accepted: 1,
      results: [
        { index: 0, status: 202 },
        { index: 1, status: 422, problem: { errors: [{ pointer: '/entry/1/resource/contained/0/birthDate' }] } },
      ],
    });
  });
});
