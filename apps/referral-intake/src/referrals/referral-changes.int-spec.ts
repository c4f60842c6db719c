import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { CallbackReceiver } from '../testing/callback-receiver';
import { IntakeHarness, startIntake } from '../testing/intake-harness';
import { JSON_REFERRAL_EXAMPLE } from './examples';
import { INTAKE_SCHEMA } from '../environment';

let intake: IntakeHarness;
let receiver: CallbackReceiver;
let sender: { id: string; secret: string };
let other: { id: string; secret: string };

beforeAll(async () => {
  receiver = new CallbackReceiver();
  await receiver.start();
  intake = await startIntake('intake_changes', { CALLBACK_BACKOFF_MS: '50' });
  sender = await intake.addSender({ callbackUrl: receiver.url, practiceOdsCodes: ['B86016', 'G82080'] });
  other = await intake.addSender();
});

afterAll(async () => {
  await intake?.close();
  await receiver?.stop();
});


async function sendReferral(): Promise<{ referralId: string; senderReferralId: string }> {
  const senderReferralId = `REF-${randomUUID()}`;
  const response = await intake.sendAs(sender, '/v1/referrals', { body: { ...JSON_REFERRAL_EXAMPLE, senderReferralId } });
  expect(response.status).toBe(202);
  return { referralId: (await response.json()).referralId, senderReferralId };
}

async function outboxOf(referralId: string, type: string) {
  return intake.dataSource.query(`SELECT "envelope" FROM "${INTAKE_SCHEMA}"."outbox" WHERE "type" = $1 AND "envelope"->>'referralId' = $2`, [type, referralId]);
}

async function statusOf(referralId: string): Promise<string> {
  return (await (await intake.sendAs(sender, `/v1/referrals/${referralId}`, { method: 'GET' })).json()).status;
}

describe('POST /v1/referrals/{id}:cancel', () => {
  it('cancels with a reason: one referral.cancelled event, the status and the callback say cancelled', async () => {
    const { referralId } = await sendReferral();
    const response = await intake.sendAs(sender, `/v1/referrals/${referralId}:cancel`, { body: { reason: 'patient-moved', reasonText: 'Moved to Leeds' } });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ referralId, status: 'cancelled', statusUrl: `/v1/referrals/${referralId}` });
    const [{ envelope }] = await outboxOf(referralId, EventType.ReferralCancelled);
    expect(envelope.payload).toEqual({ reason: 'patient-moved', reasonText: 'Moved to Leeds', cancelledAt: expect.any(String), by: { kind: 'sender', senderId: sender.id } });
    await eventually(async () => (await statusOf(referralId)) === 'cancelled');
    const callback = await eventually(() => receiver.forReferral(referralId).find((request) => JSON.parse(request.body).data.status === 'cancelled'));
    expect(JSON.parse(callback.body).data).toMatchObject({ referralId, status: 'cancelled', previousStatus: 'received', reason: 'patient-moved' });
  });

  it('is idempotent: a retry replays the first answer, a second cancellation changes nothing', async () => {
    const { referralId } = await sendReferral();
    const webhookId = `msg_${randomUUID()}`;
    const first = await intake.sendAs(sender, `/v1/referrals/${referralId}:cancel`, { webhookId, body: { reason: 'no-longer-required' } });
    const retry = await intake.sendAs(sender, `/v1/referrals/${referralId}:cancel`, { webhookId, body: { reason: 'no-longer-required' } });
    expect([first.status, retry.status]).toEqual([202, 202]);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const again = await intake.sendAs(sender, `/v1/referrals/${referralId}:cancel`, { body: { reason: 'entered-in-error' } });
    expect(again.status).toBe(200);
    expect((await again.json()).status).toBe('cancelled');
    expect(await outboxOf(referralId, EventType.ReferralCancelled)).toHaveLength(1);
  });

  it('is scoped to the sender, refuses bad reasons naming each, and refuses a referral that has ended', async () => {
    const { referralId } = await sendReferral();
    expect((await intake.sendAs(other, `/v1/referrals/${referralId}:cancel`, { body: { reason: 'no-longer-required' } })).status).toBe(404);
    expect((await intake.sendAs(sender, `/v1/referrals/${randomUUID()}:cancel`, { body: { reason: 'no-longer-required' } })).status).toBe(404);
    const bad = await intake.sendAs(sender, `/v1/referrals/${referralId}:cancel`, { body: { reason: 'whim', note: 'x' } });
    expect(bad.status).toBe(422);
    expect((await bad.json()).errors.map((error: { pointer: string }) => error.pointer)).toEqual(['/note', '/reason']);

    const recordedBy = { kind: 'link-worker' as const, id: 'lw-leeds-1' };
    await intake.publish(EventType.ReferralRouted, referralId, { linkWorkerId: recordedBy.id, tasks: [] });
    await intake.publish(EventType.ReferralAccepted, referralId, { recipientType: 'link-worker', recipientId: recordedBy.id, decidedAt: new Date().toISOString() });
    await intake.publish(EventType.ReferralContacted, referralId, { recordedBy, occurredAt: new Date().toISOString() });
    await intake.publish(EventType.ReferralCompleted, referralId, { recordedBy, occurredAt: new Date().toISOString() });
    await eventually(async () => (await statusOf(referralId)) === 'completed');
    const late = await intake.sendAs(sender, `/v1/referrals/${referralId}:cancel`, { body: { reason: 'no-longer-required' } });
    expect(late.status).toBe(409);
    expect((await late.json()).detail).toContain('completed');
    expect(await outboxOf(referralId, EventType.ReferralCancelled)).toHaveLength(0);
  });

  it('keeps a cancelled referral cancelled when an acceptance arrives after it', async () => {
    const { referralId } = await sendReferral();
    await intake.publish(EventType.ReferralRouted, referralId, { linkWorkerId: 'lw-leeds-1', tasks: [] });
    await eventually(async () => (await statusOf(referralId)) === 'routed');
    await intake.sendAs(sender, `/v1/referrals/${referralId}:cancel`, { body: { reason: 'no-longer-required' } });
    await eventually(async () => (await statusOf(referralId)) === 'cancelled');
    const accepted = await intake.publish(EventType.ReferralAccepted, referralId, { recipientType: 'link-worker', recipientId: 'lw-leeds-1', decidedAt: new Date().toISOString() });
    await eventually(async () => (await intake.dataSource.query(`SELECT 1 FROM "${INTAKE_SCHEMA}"."referral_history" WHERE "event_id" = $1`, [accepted.id])).length === 1);
    expect(await statusOf(referralId)).toBe('cancelled');
  });
});

describe('POST /v1/referrals/{id}:withdraw-consent', () => {
  it("erases the person's details from intake at once, publishes referral.consent-withdrawn, and answers the same again", async () => {
    const { referralId } = await sendReferral();
    await eventually(async () => (await intake.dataSource.query(`SELECT 1 FROM "${INTAKE_SCHEMA}"."outbox" WHERE "envelope"->>'referralId' = $1 AND "published_at" IS NOT NULL`, [referralId])).length === 1);
    expect((await outboxOf(referralId, EventType.ReferralReceived))[0].envelope.payload.sealedPerson).toEqual(expect.any(String));
    const response = await intake.sendAs(sender, `/v1/referrals/${referralId}:withdraw-consent`, { body: {} });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ referralId, status: 'consent-withdrawn', statusUrl: `/v1/referrals/${referralId}` });
    const [row] = await intake.dataSource.query(`SELECT "patient", "notes", "original_payload", "consent_withdrawn_at", "practice_ods_code" FROM "${INTAKE_SCHEMA}"."referral" WHERE "id" = $1`, [referralId]);
    expect(row).toEqual({ patient: null, notes: null, original_payload: null, consent_withdrawn_at: expect.any(Date), practice_ods_code: 'B86016' });
    const [received] = await outboxOf(referralId, EventType.ReferralReceived);
    expect(received.envelope.payload.sealedPerson).toBeUndefined();
    expect(received.envelope.payload.patient).toBeUndefined();
    expect(received.envelope.payload.notes).toBeUndefined();
    expect(JSON.stringify(received.envelope)).not.toContain('Oyelaran');
    const [{ envelope }] = await outboxOf(referralId, EventType.ReferralConsentWithdrawn);
    expect(envelope.payload).toEqual({ recordedAt: expect.any(String), by: { kind: 'sender', senderId: sender.id } });
    await eventually(async () => (await statusOf(referralId)) === 'consent-withdrawn');
    const again = await intake.sendAs(sender, `/v1/referrals/${referralId}:withdraw-consent`, { body: { recordedAt: '2026-11-25T09:30:00Z' } });
    expect(again.status).toBe(200);
    expect(await outboxOf(referralId, EventType.ReferralConsentWithdrawn)).toHaveLength(1);
    expect((await intake.sendAs(other, `/v1/referrals/${referralId}:withdraw-consent`, { body: {} })).status).toBe(404);
  });
});

describe('as FHIR: the BaRS message again, revoked or with its Consent withdrawn', () => {
  const adapted = () => JSON.parse(readFileSync(join(__dirname, 'fhir/fixtures/adapted/BaRS-REFREQ07-social-prescribing.json'), 'utf8'));
  const serviceRequestOf = (bundle: { entry: Array<{ resource: Record<string, any> }> }) => bundle.entry.find((entry) => entry.resource.resourceType === 'ServiceRequest')!.resource;
  const consentOf = (bundle: { entry: Array<{ resource: Record<string, any> }> }) => bundle.entry.find((entry) => entry.resource.resourceType === 'Consent')!.resource;
  const post = (body: unknown) => intake.sendAs(sender, '/v1/referrals', { body: body as object, contentType: 'application/fhir+json' });

  it('cancels a referral sent as FHIR when its ServiceRequest comes back revoked, and withdraws consent when its Consent comes back inactive', async () => {
    const message = adapted();
    serviceRequestOf(message).identifier = [{ system: 'https://gp.example/referral', value: `GP-${randomUUID()}` }];
    const sent = await post(message);
    expect(sent.status).toBe(202);
    const { referralId } = await sent.json();

    const revoked = structuredClone(message);
    serviceRequestOf(revoked).status = 'entered-in-error';
    const cancelled = await post(revoked);
    expect(cancelled.status).toBe(202);
    expect(await cancelled.json()).toEqual({ referralId, status: 'cancelled', statusUrl: `/v1/referrals/${referralId}` });
    const [{ envelope }] = await outboxOf(referralId, EventType.ReferralCancelled);
    expect(envelope.payload.reason).toBe('entered-in-error');

    const withdrawn = structuredClone(message);
    consentOf(withdrawn).status = 'rejected';
    const answer = await post(withdrawn);
    expect(answer.status).toBe(202);
    expect(await outboxOf(referralId, EventType.ReferralConsentWithdrawn)).toHaveLength(1);
    const [row] = await intake.dataSource.query(`SELECT "patient", "original_payload" FROM "${INTAKE_SCHEMA}"."referral" WHERE "id" = $1`, [referralId]);
    expect(row).toEqual({ patient: null, original_payload: null });
  });

  it('refuses, as an OperationOutcome, a cancellation that does not name the referral or names one never sent', async () => {
    const anonymous = adapted();
    serviceRequestOf(anonymous).status = 'revoked';
    const refused = await post(anonymous);
    expect(refused.status).toBe(422);
    expect((await refused.json()).issue).toEqual([expect.objectContaining({ code: 'invalid', expression: ['Bundle.entry[1].resource.ofType(ServiceRequest).identifier'] })]);
    serviceRequestOf(anonymous).identifier = [{ value: 'NEVER-SENT' }];
    const unknown = await post(anonymous);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).issue).toEqual([expect.objectContaining({ code: 'not-found' })]);
  });
});
