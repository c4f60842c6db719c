import { randomUUID } from 'node:crypto';
import { EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { CommissionerStore } from '../commissioners/commissioner.store';
import { OutcomesHarness, commissionerLens, SAMPLE_NHS_NUMBER, followUp, receivedEvent, startOutcomes } from '../testing/harness';
import { OUTCOMES_SCHEMA } from '../environment';

let outcomes: OutcomesHarness;

beforeAll(async () => {
  outcomes = await startOutcomes('outcomes_feed');
});

afterAll(async () => {
  await outcomes.close();
});

async function storedCount(referralId: string): Promise<number> {
  const [row] = await outcomes.dataSource.query(`SELECT count(*)::int AS n FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "referral_id" = $1`, [referralId]);
  return row.n;
}

describe('the outcome feed over the real transport', () => {
  const linkWorkerId = randomUUID();
  const received = receivedEvent();
  const referralId = received.referralId;
  const routed = followUp(EventType.ReferralRouted, referralId, { linkWorkerId, pcnOdsCode: 'U81001', tasks: [{ recipientType: 'link-worker', recipientId: linkWorkerId, reason: 'covers practice' }] }, new Date('2026-11-02T09:00:05Z'));
  const sent = followUp(
    EventType.NotificationSent,
    referralId,
    { notificationId: randomUUID(), recipientType: 'link-worker', recipientId: linkWorkerId, channel: 'email', provider: 'smtp', error: 'x' },
    new Date('2026-11-02T09:00:06Z'),
  );

  beforeAll(async () => {
    await outcomes.deliver(received, routed, sent);
    await eventually(async () => (await storedCount(referralId)) === 3);
  });

  it('stores each event once, even when it is delivered again', async () => {
    await outcomes.redeliver(received);
    await outcomes.redeliver(sent);
    const [inbox] = await outcomes.dataSource.query(`SELECT count(*)::int AS n FROM "${OUTCOMES_SCHEMA}"."inbox" WHERE "event_id" = ANY($1::uuid[])`, [[received.id, routed.id, sent.id]]);
    expect(inbox.n).toBe(3);
    expect(await storedCount(referralId)).toBe(3);
    const [projection] = await outcomes.dataSource.query(`SELECT "status", "practice_ods_code", "pcn_ods_code", "age_band", "postcode_district" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [referralId]);
    expect(projection).toEqual({ status: 'routed', practice_ods_code: 'A81001', pcn_ods_code: 'U81001', age_band: '75-84', postcode_district: 'TS1' });
  });

  it('keeps no patient identifier in the event store', async () => {
    const rows = await outcomes.dataSource.query(`SELECT "data"::text AS data FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "referral_id" = $1`, [referralId]);
    const stored = rows.map((row: { data: string }) => row.data).join('\n');
    for (const value of [SAMPLE_NHS_NUMBER, 'Margaret', 'Oyelaran', '1948-02-11', 'TS1 2AA', '07700900123', 'margaret@example.com']) {
      expect(stored).not.toContain(value);
    }
  });

  it("serves the referral's events, pseudonymised, to a commissioner whose area covers the practice", async () => {
    const { commissioner, apiKey } = await new CommissionerStore(outcomes.dataSource).register({ name: 'Practice A81001', scope: { level: 'practice', codes: ['A81001'] } });
    const response = await outcomes.request({ url: '/v1/feeds/outcomes', headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.items.map((item: { eventType: string }) => item.eventType)).toEqual([EventType.ReferralReceived, EventType.ReferralRouted, EventType.NotificationSent]);
    expect(body.items[0]).toMatchObject({ practice: 'A81001', pcn: 'U81001', icb: 'QHM', ageBand: '75-84', sex: 'female', postcodeDistrict: 'TS1', needs: ['loneliness'] });
    expect(body.items[0].pseudonym).toMatch(/^[0-9a-f]{64}$/);
    expect(body.items.map((item: { referralRef: string }) => item.referralRef)).toEqual(Array(3).fill(commissionerLens(commissioner).referralRef(referralId)));
    expect(response.body).not.toContain(SAMPLE_NHS_NUMBER);
    expect(response.body).not.toContain(referralId);
    expect(body.hasMore).toBe(false);
    expect(response.headers['x-next-cursor']).toBe(body.nextCursor);
  });

  it('shows nothing of it to a commissioner of another area', async () => {
    const { apiKey } = await new CommissionerStore(outcomes.dataSource).register({ name: 'Other PCN', scope: { level: 'pcn', codes: ['U81004'] } });
    const response = await outcomes.request({ url: '/v1/feeds/outcomes', headers: { authorization: `Bearer ${apiKey}`, accept: 'application/x-ndjson' } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
  });

  it('refuses a request without a valid key', async () => {
    const missing = await outcomes.request({ url: '/v1/feeds/outcomes' });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    const wrong = await outcomes.request({ url: '/v1/feeds/outcomes', headers: { authorization: 'Bearer spc_not-a-key' } });
    expect(wrong.statusCode).toBe(401);
  });
});
