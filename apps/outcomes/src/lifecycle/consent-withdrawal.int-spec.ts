import { EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { OutcomesHarness, followUp, receivedEvent, startOutcomes } from '../testing/harness';
import { OUTCOMES_SCHEMA } from '../environment';

let outcomes: OutcomesHarness;

beforeAll(async () => {
  outcomes = await startOutcomes('outcomes_consent');
});

afterAll(async () => {
  await outcomes.close();
});

const withdrawal = (referralId: string, at: Date) => followUp(EventType.ReferralConsentWithdrawn, referralId, { recordedAt: at.toISOString(), by: { kind: 'sender' } }, at);

async function stored(referralId: string) {
  const [row] = await outcomes.dataSource.query(
    `SELECT r."status", r."age_band", r."postcode_district", (SELECT count(*)::int FROM "${OUTCOMES_SCHEMA}"."referral_identity" i WHERE i."referral_id" = r."referral_id") AS "identities",
            (SELECT count(*)::int FROM "${OUTCOMES_SCHEMA}"."outcome_event" e WHERE e."referral_id" = r."referral_id") AS "events"
     FROM "${OUTCOMES_SCHEMA}"."referral" r WHERE r."referral_id" = $1`,
    [referralId],
  );
  return row;
}

describe('consent withdrawn', () => {
  it("deletes the person's NHS number (the only identifier outcomes keeps) and keeps the pseudonymised record", async () => {
    const received = receivedEvent({ occurredAt: new Date('2026-11-02T09:00:00Z') });
    await outcomes.deliver(received);
    await eventually(async () => (await stored(received.referralId))?.identities === 1);
    await outcomes.deliver(withdrawal(received.referralId, new Date('2026-11-03T09:00:00Z')));
    const row = await eventually(async () => {
      const current = await stored(received.referralId);
      return current?.events === 2 ? current : undefined;
    });
    expect(row).toMatchObject({ status: 'consent-withdrawn', identities: 0, age_band: expect.any(String), postcode_district: expect.any(String) });
  });

  it('does not take the NHS number back from a referral.received that arrives after the withdrawal', async () => {
    const received = receivedEvent({ occurredAt: new Date('2026-11-02T09:00:00Z') });
    await outcomes.deliver(withdrawal(received.referralId, new Date('2026-11-03T09:00:00Z')));
    await eventually(async () => (await outcomes.dataSource.query(`SELECT 1 FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "referral_id" = $1`, [received.referralId])).length === 1);
    await outcomes.deliver(received);
    const row = await eventually(async () => {
      const current = await stored(received.referralId);
      return current?.events === 2 ? current : undefined;
    });
    expect(row.identities).toBe(0);
  });
});
