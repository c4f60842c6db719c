import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { OutcomesHarness, followUp, receivedEvent, startOutcomes } from '../testing/harness';
import { Secrets } from '../privacy/secrets';
import { RecordingStore } from './recording.store';
import { OUTCOMES_SCHEMA } from '../environment';

let outcomes: OutcomesHarness;
const linkWorkerId = randomUUID();
const organisationId = randomUUID();
const strangerId = randomUUID();
let linkWorkerKey: string;
let organisationKey: string;
let strangerKey: string;

async function routedReferral(): Promise<string> {
  const received = receivedEvent({ occurredAt: new Date(Date.now() - 86_400_000) });
  const routed = followUp(
    EventType.ReferralRouted,
    received.referralId,
    { linkWorkerId, tasks: [{ recipientType: 'organisation', recipientId: organisationId, reason: 'offers walking groups' }] },
    new Date(Date.now() - 86_000_000),
  );
  await outcomes.deliver(received, routed);
  await eventually(async () => {
    const [row] = await outcomes.dataSource.query(`SELECT "status" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [received.referralId]);
    return row?.status === 'routed';
  });
  return received.referralId;
}

async function accept(referralId: string): Promise<void> {
  await outcomes.deliver(
    followUp(EventType.ReferralAccepted, referralId, { recipientType: 'organisation', recipientId: organisationId, organisationId, decidedAt: new Date(Date.now() - 80_000_000).toISOString() }, new Date(Date.now() - 80_000_000)),
  );
  await eventually(async () => {
    const [row] = await outcomes.dataSource.query(`SELECT "status" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [referralId]);
    return row?.status === 'accepted';
  });
}

function post(url: string, key: string, payload: unknown) {
  return outcomes.request({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload });
}

beforeAll(async () => {
  outcomes = await startOutcomes('outcomes_recording');
  ({ apiKey: linkWorkerKey } = await new RecordingStore(outcomes.dataSource).registerKey({ kind: 'link-worker', id: linkWorkerId }));
  ({ apiKey: organisationKey } = await new RecordingStore(outcomes.dataSource).registerKey({ kind: 'organisation', id: organisationId }));
  ({ apiKey: strangerKey } = await new RecordingStore(outcomes.dataSource).registerKey({ kind: 'organisation', id: strangerId }));
});

afterAll(async () => {
  await outcomes.close();
});

describe('recording outcomes', () => {
  it('records a whole course of support, publishing each fact through the outbox exactly once', async () => {
    const referralId = await routedReferral();
    const tooEarly = await post(`/v1/referrals/${referralId}/measures`, organisationKey, { measure: 'SWEMWBS', timepoint: 'start', items: [3, 3, 3, 3, 3, 3, 3] });
    expect(tooEarly.statusCode).toBe(409);
    await accept(referralId);
    const steps = [
      { type: 'contacted', occurredAt: new Date(Date.now() - 70_000_000).toISOString() },
      { type: 'session-attended' },
      { type: 'did-not-attend' },
      { type: 'completed' },
      { type: 'closed' },
    ];
    const statuses: string[] = [];
    for (const [index, step] of steps.entries()) {
      const response = await post(`/v1/referrals/${referralId}/outcomes`, index % 2 === 0 ? organisationKey : linkWorkerKey, step);
      expect(response.statusCode).toBe(201);
      statuses.push(response.json().status);
      if (index === 0) {
        const started = await post(`/v1/referrals/${referralId}/measures`, organisationKey, { measure: 'SWEMWBS', timepoint: 'start', items: [3, 3, 3, 3, 3, 3, 3] });
        expect(started.statusCode).toBe(201);
        expect(started.json().score).toEqual({ raw: 21, metric: 19.25 });
      }
    }
    expect(statuses).toEqual(['contacted', 'in-progress', 'in-progress', 'completed', 'closed']);
    const outbox = await outcomes.dataSource.query(`SELECT "type" FROM "${OUTCOMES_SCHEMA}"."outbox" ORDER BY "seq"`);
    expect(outbox.map((row: { type: string }) => row.type)).toEqual([
      EventType.ReferralContacted,
      EventType.MeasureRecorded,
      EventType.SessionAttended,
      EventType.SessionMissed,
      EventType.ReferralCompleted,
      EventType.ReferralClosed,
    ]);
    // The relay puts them on our own queue too; consuming them again must change nothing.
    await eventually(async () => {
      const [row] = await outcomes.dataSource.query(`SELECT count(*)::int AS n FROM "${OUTCOMES_SCHEMA}"."inbox" WHERE "event_type" LIKE 'referral.%' AND "event_type" NOT IN ('referral.received', 'referral.routed', 'referral.accepted')`);
      return row.n >= 6;
    });
    const [stored] = await outcomes.dataSource.query(`SELECT count(*)::int AS n FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "referral_id" = $1`, [referralId]);
    expect(stored.n).toBe(9);
    const [referral] = await outcomes.dataSource.query(`SELECT "status", "sessions_attended", "sessions_missed", "close_reason" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [referralId]);
    expect(referral).toEqual({ status: 'closed', sessions_attended: 1, sessions_missed: 1, close_reason: 'completed' });
    const view = await outcomes.request({ url: `/v1/referrals/${referralId}`, headers: { authorization: `Bearer ${linkWorkerKey}` } });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ status: 'closed', sessionsAttended: 1, sessionsMissed: 1, measures: [{ measure: 'SWEMWBS', timepoint: 'start', score: { raw: 21, metric: 19.25 } }] });
    expect(view.body).not.toContain('9434765919');
    const hidden = await outcomes.request({ url: `/v1/referrals/${referralId}`, headers: { authorization: `Bearer ${strangerKey}` } });
    expect(hidden.statusCode).toBe(404);
    const [measureRow] = await outcomes.dataSource.query(`SELECT "measure", "timepoint", "recorded_by_kind", "recorded_by_id" FROM "${OUTCOMES_SCHEMA}"."measure" WHERE "referral_id" = $1`, [referralId]);
    expect(measureRow).toEqual({ measure: 'SWEMWBS', timepoint: 'start', recorded_by_kind: 'organisation', recorded_by_id: organisationId });
  });

  it('refuses an impossible step with 409 and records nothing', async () => {
    const referralId = await routedReferral();
    const response = await post(`/v1/referrals/${referralId}/outcomes`, linkWorkerKey, { type: 'completed' });
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const closedWithoutReason = await post(`/v1/referrals/${referralId}/outcomes`, linkWorkerKey, { type: 'closed' });
    expect(closedWithoutReason.statusCode).toBe(409);
    const closed = await post(`/v1/referrals/${referralId}/outcomes`, linkWorkerKey, { type: 'closed', reason: 'could-not-contact' });
    expect(closed.statusCode).toBe(201);
  });

  it('lets nobody touch a referral they were not tasked with', async () => {
    const referralId = await routedReferral();
    const response = await post(`/v1/referrals/${referralId}/outcomes`, strangerKey, { type: 'contacted' });
    expect(response.statusCode).toBe(404);
    const unknown = await post(`/v1/referrals/${randomUUID()}/outcomes`, linkWorkerKey, { type: 'contacted' });
    expect(unknown.statusCode).toBe(404);
    const anonymous = await outcomes.request({ method: 'POST', url: `/v1/referrals/${referralId}/outcomes`, payload: { type: 'contacted' } });
    expect(anonymous.statusCode).toBe(401);
  });

  it('refuses with 403 a record by an organisation that was offered the referral but did not accept it, and records nothing', async () => {
    const received = receivedEvent({ occurredAt: new Date(Date.now() - 86_400_000) });
    const referralId = received.referralId;
    const tasks = [organisationId, strangerId].map((recipientId) => ({ recipientType: 'organisation' as const, recipientId, reason: 'offers walking groups' }));
    await outcomes.deliver(received, followUp(EventType.ReferralRouted, referralId, { linkWorkerId, tasks }, new Date(Date.now() - 86_000_000)));
    await accept(referralId);
    for (const [path, body] of [
      ['outcomes', { type: 'contacted' }],
      ['outcomes', { type: 'closed', reason: 'other' }],
      ['measures', { measure: 'UCLA3', timepoint: 'start', items: [1, 2, 3] }],
    ] as const) {
      const response = await post(`/v1/referrals/${referralId}/${path}`, strangerKey, body);
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().detail).toContain('neither accepted the referral nor is its link worker');
    }
    const [stored] = await outcomes.dataSource.query(`SELECT count(*)::int AS n FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "referral_id" = $1`, [referralId]);
    expect(stored.n).toBe(3);
    const byAccepter = await post(`/v1/referrals/${referralId}/outcomes`, organisationKey, { type: 'contacted' });
    expect(byAccepter.statusCode).toBe(201);
  });

  it('names every bad field and item, and records nothing', async () => {
    const referralId = await routedReferral();
    await accept(referralId);
    const outcome = await post(`/v1/referrals/${referralId}/outcomes`, organisationKey, { type: 'phoned', occurredAt: 'yesterday', reason: 'x' });
    expect(outcome.statusCode).toBe(400);
    expect(outcome.json().errors.map((error: { pointer: string }) => error.pointer)).toEqual(['/type', '/occurredAt', '/reason']);
    const measure = await post(`/v1/referrals/${referralId}/measures`, organisationKey, { measure: 'ONS4', timepoint: 'start', items: [11, 5, -1, 4] });
    expect(measure.statusCode).toBe(400);
    expect(measure.json().errors.map((error: { pointer: string }) => error.pointer)).toEqual(['/items/0', '/items/2']);
    const [outbox] = await outcomes.dataSource.query(`SELECT count(*)::int AS n FROM "${OUTCOMES_SCHEMA}"."outbox" WHERE "envelope"->>'referralId' = $1`, [referralId]);
    expect(outbox.n).toBe(0);
  });

  it('accepts a signed webhook from the organisation once, however often it is retried', async () => {
    const referralId = await routedReferral();
    await accept(referralId);
    const secret = await new RecordingStore(outcomes.dataSource).rotateWebhookSecret(new Secrets(outcomes.env.PSEUDONYM_MASTER_KEY), organisationId);
    const url = `/v1/webhooks/organisations/${organisationId}/outcomes`;
    const payload = JSON.stringify({ referralId, type: 'contacted' });
    const webhookId = `msg_${randomUUID()}`;
    const send = (body: string, signer = new Webhook(secret)) => {
      const timestamp = new Date();
      return outcomes.request({
        method: 'POST',
        url,
        payload: body,
        headers: { 'content-type': 'application/json', 'webhook-id': webhookId, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': signer.sign(webhookId, timestamp, body) },
      });
    };
    const first = await send(payload);
    expect(first.statusCode).toBe(201);
    const retry = await send(payload);
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    const [stored] = await outcomes.dataSource.query(`SELECT count(*)::int AS n FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "referral_id" = $1 AND "type" = $2`, [referralId, EventType.ReferralContacted]);
    expect(stored.n).toBe(1);

    const measureId = `msg_${randomUUID()}`;
    const measureBody = JSON.stringify({ referralId, type: 'measure', measure: 'ONS4', timepoint: 'start', items: [6, 7, 5, 4], recordedAt: new Date().toISOString().slice(0, 10) });
    const timestamp = new Date();
    const measured = await outcomes.request({
      method: 'POST',
      url,
      payload: measureBody,
      headers: { 'content-type': 'application/json', 'webhook-id': measureId, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(measureId, timestamp, measureBody) },
    });
    expect(measured.statusCode).toBe(201);
    expect(measured.json().score).toEqual({ lifeSatisfaction: 6, worthwhile: 7, happiness: 5, anxiety: 4 });

    const forged = await send(payload, new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`));
    expect(forged.statusCode).toBe(401);
    const tampered = await outcomes.request({ method: 'POST', url, payload: JSON.stringify({ referralId, type: 'completed' }), headers: { 'content-type': 'application/json', 'webhook-id': webhookId, 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' } });
    expect(tampered.statusCode).toBe(401);
  });
});
