import { randomUUID } from 'node:crypto';
import { EventPublisher, EventType } from '@app/shared';
import { IntakeHarness, startIntake } from '../testing/intake-harness';
import { IdempotencyStore, RequestKey } from './idempotency';
import { NewReferral, ReferralStore } from './referral.store';
import { SenderStore } from '../senders/sender.store';

let intake: IntakeHarness;
let senderId: string;

beforeAll(async () => {
  intake = await startIntake('intake_referral_store');
  senderId = (await intake.addSender()).id;
});

afterAll(async () => {
  await intake?.close();
});

const newReferral = (overrides: Partial<NewReferral> = {}): NewReferral => ({
  id: randomUUID(),
  senderId,
  senderReferralId: `REF-${randomUUID()}`,
  requestHash: 'hash',
  format: 'json',
  originalPayload: null,
  practiceOdsCode: 'A81001',
  needs: ['loneliness'],
  urgency: 'routine',
  consentRecordedAt: null,
  patient: { nhsNumber: '9434765919' },
  referrer: null,
  preferredOrganisationId: null,
  notes: null,
  correlationId: randomUUID(),
  receivedAt: new Date(),
  ...overrides,
});

/** The one statement submit() runs for a new referral: true and everything written, or false and nothing. */
async function insertAtOnce(referral: NewReferral, keys: RequestKey[]): Promise<boolean> {
  const events = intake.app.get(EventPublisher);
  const presumed = { status: 202, body: { referralId: referral.id } };
  const claim = { statement: intake.app.get(IdempotencyStore).claimStatement(senderId, keys, 'request', presumed), keys: keys.length };
  const { insert } = events.outboxRow(EventType.ReferralReceived, { referralId: referral.id, payload: {} as never });
  return intake.app.get(ReferralStore).insertClaimedWithEvent(claim, referral, insert, events.channel);
}

describe('a new referral in one statement', () => {
  it('claims the keys as answered, inserts the referral with its receivedAt (its status and last change at the same time), and writes its outbox row', async () => {
    const referral = newReferral();
    const keys: RequestKey[] = [{ scope: 'webhook-id', key: randomUUID() }, { scope: 'idempotency-key', key: randomUUID() }];
    const before = await intake.counts();
    expect(await insertAtOnce(referral, keys)).toBe(true);
    expect(await intake.counts()).toEqual({ referrals: before.referrals + 1, outbox: before.outbox + 1, keys: before.keys + 2 });
    const [row] = await intake.dataSource.query(`SELECT "received_at", "status_changed_at", "updated_at" FROM "intake"."referral" WHERE "id" = $1`, [referral.id]);
    expect(row).toEqual({ received_at: referral.receivedAt, status_changed_at: referral.receivedAt, updated_at: referral.receivedAt });
  });

  it('writes nothing, and answers false, when a key is held or the senderReferralId was sent before', async () => {
    const first = newReferral();
    const key: RequestKey = { scope: 'webhook-id', key: randomUUID() };
    expect(await insertAtOnce(first, [key])).toBe(true);
    const before = await intake.counts();
    expect(await insertAtOnce(newReferral(), [key, { scope: 'idempotency-key', key: randomUUID() }])).toBe(false);
    expect(await insertAtOnce(newReferral({ senderReferralId: first.senderReferralId }), [{ scope: 'webhook-id', key: randomUUID() }])).toBe(false);
    expect(await intake.counts()).toEqual(before);
  });
});

describe("the status consumer's statements", () => {
  const store = () => intake.app.get(ReferralStore);
  const stored = async (referral: NewReferral) => intake.dataSource.transaction((manager) => store().insert(manager, referral));
  const historyEvent = (referralId: string, type: string, minute: number) => ({
    eventId: randomUUID(),
    referralId,
    type,
    occurredAt: new Date(Date.UTC(2026, 10, 2, 9, minute)),
    facts: { actor: { kind: 'routing' as const } },
  });

  it("locks the referral and reads where its sender takes callbacks, in one statement; null for a referral never received", async () => {
    const senders = intake.app.get(SenderStore);
    const { sender } = await senders.register({ name: 'Callback GP system', practiceOdsCodes: ['A81001'], callbackUrl: 'https://gp.example/callbacks', callbackFormat: 'fhir-task' }, intake.env.SENDER_SECRET_KEY);
    const referral = newReferral({ senderId: sender.id });
    await stored(referral);
    const lockWithTarget = () => intake.dataSource.transaction((manager) => store().lockWithCallbackTarget(manager, referral.id));
    const locked = await lockWithTarget();
    expect(locked?.referral).toMatchObject({ id: referral.id, status: 'received', senderId: sender.id, receivedAt: referral.receivedAt });
    expect(locked?.callbackTarget).toEqual({ senderId: sender.id, callbackUrl: 'https://gp.example/callbacks', callbackFormat: 'fhir-task', disabled: false });
    await senders.setDisabled(sender.id, true);
    expect((await lockWithTarget())?.callbackTarget).toMatchObject({ disabled: true });
    expect(await intake.dataSource.transaction((manager) => store().lockWithCallbackTarget(manager, randomUUID()))).toBeNull();
  });

  it('records an event once and returns the history with it, each event once, also when the event was recorded before', async () => {
    const referral = newReferral();
    await stored(referral);
    const routed = historyEvent(referral.id, EventType.ReferralRouted, 1);
    const accepted = historyEvent(referral.id, EventType.ReferralAccepted, 2);
    const record = (event: typeof routed) => intake.dataSource.transaction((manager) => store().recordHistory(manager, event));
    const byId = (history: Array<{ eventId: string }>) => [...history].sort((a, b) => a.eventId.localeCompare(b.eventId));
    expect(await record(routed)).toEqual([routed]);
    expect(byId(await record(accepted))).toEqual(byId([routed, accepted]));
    expect(byId(await record(routed))).toEqual(byId([routed, accepted]));
    expect(byId(await store().history(referral.id))).toEqual(byId([routed, accepted]));
  });
});
