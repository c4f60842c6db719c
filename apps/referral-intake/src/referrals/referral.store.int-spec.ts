import { randomUUID } from 'node:crypto';
import { EventPublisher, EventType } from '@app/shared';
import { IntakeHarness, startIntake } from '../testing/intake-harness';
import { IdempotencyStore, RequestKey } from './idempotency';
import { NewReferral, ReferralStore } from './referral.store';

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
