import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { EventType, JobRunner } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { JSON_REFERRAL_EXAMPLE } from '../referrals/examples';
import { CallbackReceiver } from '../testing/callback-receiver';
import { IntakeHarness, startIntake } from '../testing/intake-harness';
import { INTAKE_SCHEMA } from '../environment';

let intake: IntakeHarness;
let receiver: CallbackReceiver;
let sender: { id: string; secret: string };

beforeAll(async () => {
  receiver = new CallbackReceiver();
  await receiver.start();
  intake = await startIntake('intake_status', { CALLBACK_BACKOFF_MS: '50', CALLBACK_MAX_ATTEMPTS: '4' });
  sender = await intake.addSender({ callbackUrl: receiver.url });
});

afterAll(async () => {
  await intake?.close();
  await receiver?.stop();
});

async function sendReferral(from = sender): Promise<string> {
  const response = await intake.send('/v1/referrals', { senderId: from.id, secrets: [from.secret], body: { ...JSON_REFERRAL_EXAMPLE, senderReferralId: `REF-${randomUUID()}` } });
  expect(response.status).toBe(202);
  return (await response.json()).referralId;
}

const decision = { recipientType: 'organisation' as const, recipientId: randomUUID(), decidedAt: new Date().toISOString() };

async function callbackRows(referralId: string) {
  return intake.dataSource.query(
    `SELECT c."status", c."state", c."attempts", array_agg(a."http_status" ORDER BY a."attempt") AS answers
     FROM "${INTAKE_SCHEMA}"."status_callback" c LEFT JOIN "${INTAKE_SCHEMA}"."status_callback_attempt" a ON a."callback_id" = c."id"
     WHERE c."referral_id" = $1 GROUP BY c."id" ORDER BY c."created_at"`,
    [referralId],
  );
}

async function statusOf(referralId: string): Promise<string> {
  const response = await intake.send(`/v1/referrals/${referralId}`, { method: 'GET', senderId: sender.id, secrets: [sender.secret] });
  return (await response.json()).status;
}

it('tells the sender about a status change with a signed callback, retrying after a failure and recording each attempt', async () => {
  const referralId = await sendReferral();
  receiver.answers.push(503);
  await intake.publish(EventType.ReferralRouted, referralId, { linkWorkerId: 'lw-leeds-1', pcnOdsCode: 'U12345', tasks: [] });
  const [failed, delivered] = await eventually(() => {
    const requests = receiver.forReferral(referralId);
    return requests.length >= 2 ? requests : undefined;
  });
  expect(failed.headers['webhook-id']).toBe(delivered.headers['webhook-id']);
  const payload = new Webhook(sender.secret).verify(delivered.body, {
    'webhook-id': String(delivered.headers['webhook-id']),
    'webhook-timestamp': String(delivered.headers['webhook-timestamp']),
    'webhook-signature': String(delivered.headers['webhook-signature']),
  });
  expect(payload).toEqual({
    type: 'referral.status-changed',
    timestamp: expect.any(String),
    data: {
      referralId,
      senderReferralId: expect.stringMatching(/^REF-/),
      status: 'routed',
      previousStatus: 'received',
      occurredAt: expect.any(String),
      statusUrl: `/v1/referrals/${referralId}`,
    },
  });
  for (const secretValue of ['9434765919', 'Margaret', 'Oyelaran', '1948-02-11', 'LS6 2QT']) expect(delivered.body).not.toContain(secretValue);
  await eventually(async () => {
    const rows = await callbackRows(referralId);
    return rows[0]?.state === 'delivered' ? rows : undefined;
  });
  expect(await callbackRows(referralId)).toEqual([{ status: 'routed', state: 'delivered', attempts: 2, answers: [503, 204] }]);
  expect(await statusOf(referralId)).toBe('routed');
});

it('folds events heard out of order through the shared lifecycle: a decline after the link worker accepted tells the GP nothing, and 410 Gone stops retries', async () => {
  const referralId = await sendReferral();
  const linkWorker = { recipientType: 'link-worker' as const, recipientId: 'lw-leeds-1' };
  const start = Date.now();
  const at = (seconds: number) => new Date(start + seconds * 1000);
  // The acceptance is heard before the routing it followed: until the routing arrives, nobody was offered it.
  const early = await intake.publish(EventType.ReferralAccepted, referralId, { ...linkWorker, decidedAt: at(2).toISOString() }, at(2));
  await eventually(async () => (await intake.dataSource.query(`SELECT 1 FROM "${INTAKE_SCHEMA}"."inbox" WHERE "event_id" = $1`, [early.id])).length === 1);
  expect(await callbackRows(referralId)).toEqual([]);
  await intake.publish(EventType.ReferralRouted, referralId, { linkWorkerId: linkWorker.recipientId, tasks: [{ recipientType: 'organisation', recipientId: decision.recipientId, reason: 'match' }] }, at(1));
  await eventually(async () => (await callbackRows(referralId))[0]?.state === 'delivered');
  const lateDecline = await intake.publish(EventType.ReferralDeclined, referralId, { ...decision, reason: 'no-capacity' }, at(3));
  await eventually(async () => (await intake.dataSource.query(`SELECT 1 FROM "${INTAKE_SCHEMA}"."inbox" WHERE "event_id" = $1`, [lateDecline.id])).length === 1);
  expect(await statusOf(referralId)).toBe('accepted');
  receiver.answers.push(410);
  await intake.publish(EventType.ReferralContacted, referralId, { recordedBy: { kind: 'link-worker', id: linkWorker.recipientId }, occurredAt: at(4).toISOString() }, at(4));
  const rows = await eventually(async () => {
    const current = await callbackRows(referralId);
    return current.length === 2 && current.every((row: { state: string }) => row.state !== 'pending') ? current : undefined;
  });
  expect(rows).toEqual([
    { status: 'accepted', state: 'delivered', attempts: 1, answers: [204] },
    { status: 'contacted', state: 'gone', attempts: 1, answers: [410] },
  ]);
  expect(JSON.parse(receiver.forReferral(referralId)[0].body).data).toMatchObject({ status: 'accepted', previousStatus: 'received' });
  expect(JSON.parse(receiver.forReferral(referralId).at(-1)!.body).data).toMatchObject({ status: 'contacted', previousStatus: 'accepted' });
  expect(await statusOf(referralId)).toBe('contacted');
});

it('tells the GP declined only when every recipient offered has declined', async () => {
  const referralId = await sendReferral();
  await intake.publish(EventType.ReferralRouted, referralId, { linkWorkerId: 'lw-leeds-1', tasks: [{ recipientType: 'organisation', recipientId: decision.recipientId, reason: 'match' }] });
  await eventually(async () => (await callbackRows(referralId))[0]?.state === 'delivered');
  const first = await intake.publish(EventType.ReferralDeclined, referralId, { ...decision, reason: 'no-capacity' });
  await eventually(async () => (await intake.dataSource.query(`SELECT 1 FROM "${INTAKE_SCHEMA}"."inbox" WHERE "event_id" = $1`, [first.id])).length === 1);
  expect(await statusOf(referralId)).toBe('routed');
  await intake.publish(EventType.ReferralDeclined, referralId, { recipientType: 'link-worker', recipientId: 'lw-leeds-1', decidedAt: new Date().toISOString(), reason: 'not-eligible' });
  const [, declined] = await eventually(() => (receiver.forReferral(referralId).length === 2 ? receiver.forReferral(referralId) : undefined));
  expect(JSON.parse(declined.body).data).toMatchObject({ status: 'declined', previousStatus: 'routed', reason: 'not-eligible' });
  expect(await statusOf(referralId)).toBe('declined');
});

it('updates the status without a callback when the sender has no callback URL, and records completion and closure', async () => {
  const quiet = await intake.addSender();
  const referralId = await sendReferral(quiet);
  const recordedBy = { kind: 'link-worker' as const, id: 'lw-leeds-1' };
  const now = Date.now();
  const at = (seconds: number) => new Date(now + seconds * 1000);
  await intake.publish(EventType.ReferralRouted, referralId, { linkWorkerId: recordedBy.id, tasks: [] }, at(1));
  await intake.publish(EventType.ReferralAccepted, referralId, { recipientType: 'link-worker', recipientId: recordedBy.id, decidedAt: at(2).toISOString() }, at(2));
  await intake.publish(EventType.ReferralContacted, referralId, { recordedBy, occurredAt: at(3).toISOString() }, at(3));
  await intake.publish(EventType.ReferralCompleted, referralId, { recordedBy, occurredAt: at(4).toISOString() }, at(4));
  await intake.publish(EventType.ReferralClosed, referralId, { recordedBy, occurredAt: at(5).toISOString(), reason: 'completed' }, at(5));
  await eventually(async () => {
    const [row] = await intake.dataSource.query(`SELECT "status", "status_reason" FROM "${INTAKE_SCHEMA}"."referral" WHERE "id" = $1`, [referralId]);
    return row.status === 'closed' ? row : undefined;
  });
  expect(await callbackRows(referralId)).toEqual([]);
});

it('gives up after the last attempt and marks the callback failed, every attempt recorded', async () => {
  const referralId = await sendReferral();
  receiver.answers.push(500, 500, 502, 500);
  await intake.publish(EventType.ReferralRouted, referralId, { linkWorkerId: 'lw-leeds-1', tasks: [] });
  const rows = await eventually(async () => {
    const current = await callbackRows(referralId);
    return current[0]?.state === 'failed' ? current : undefined;
  });
  expect(rows).toEqual([{ status: 'routed', state: 'failed', attempts: 4, answers: [500, 500, 502, 500] }]);
});

it('queues again a callback whose job never reached Redis', async () => {
  const referralId = await sendReferral();
  const [{ id }] = await intake.dataSource.query(
    `INSERT INTO "${INTAKE_SCHEMA}"."status_callback" ("id", "referral_id", "sender_id", "event_id", "status", "url", "payload", "created_at")
     VALUES (gen_random_uuid(), $1, $2, gen_random_uuid(), 'routed', $3, $4, now() - interval '1 minute') RETURNING "id"`,
    [referralId, sender.id, receiver.url, JSON.stringify({ type: 'referral.status-changed', data: { referralId, status: 'routed' } })],
  );
  await intake.app.get(JobRunner).runSweeps();
  const delivered = await eventually(() => receiver.received.find((request) => request.headers['webhook-id'] === id));
  expect(JSON.parse(delivered.body).data).toEqual({ referralId, status: 'routed' });
  await eventually(async () => (await callbackRows(referralId))[0]?.state === 'delivered');
});

it('dead-letters a status event for a referral intake never received', async () => {
  const event = await intake.publish(EventType.ReferralAccepted, randomUUID(), decision);
  const [letter] = await eventually(async () => {
    const rows = await intake.dataSource.query(`SELECT "error", "attempts" FROM "${INTAKE_SCHEMA}"."dead_letter" WHERE "event_id" = $1`, [event.id]);
    return rows.length ? rows : undefined;
  });
  expect(letter).toEqual({ error: expect.stringContaining('unknown referral'), attempts: 1 });
});
