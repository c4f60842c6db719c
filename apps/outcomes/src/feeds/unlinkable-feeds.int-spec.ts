import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { EventType, neutraliseFormula } from '@app/shared';
import { Commissioner } from '../commissioners/commissioner';
import { CommissionerStore } from '../commissioners/commissioner.store';
import { OutcomesHarness, commissionerLens, followUp, ingestDirectly, receivedEvent, startOutcomes } from '../testing/harness';

/**
 * Issue 9: two commissioners' feeds joined on (occurredAt, practice) matched 19 of 19 referrals, and a
 * sender who knows when it sent each referral could do the same. Commissioners now get dates; here two
 * commissioners who both see one practice's 19 referrals of one day try to join their feeds and
 * research extracts on every column, and on the date and practice together.
 */
let outcomes: OutcomesHarness;
const keys: string[] = [];
const commissioners: Commissioner[] = [];
const referralIds: string[] = [];
const REFERRALS = 19;
const sentAt: Date[] = [];

beforeAll(async () => {
  outcomes = await startOutcomes('outcomes_unlinkable');
  const linkWorkerId = randomUUID();
  for (let index = 0; index < REFERRALS; index += 1) {
    // Sent through the day, minutes apart, as a GP system would: each instant is unique.
    const at = new Date(Date.UTC(2026, 10, 3, 8, 0, 0) + index * 17 * 60_000 + index * 123);
    sentAt.push(at);
    const received = receivedEvent({ practiceOdsCode: 'A81001', occurredAt: at, needs: ['loneliness'] });
    referralIds.push(received.referralId);
    await ingestDirectly(
      outcomes,
      received,
      followUp(EventType.ReferralRouted, received.referralId, { linkWorkerId, tasks: [] }, new Date(at.getTime() + 1500 + index)),
      followUp(EventType.ReferralContacted, received.referralId, { recordedBy: { kind: 'link-worker', id: linkWorkerId }, occurredAt: new Date(at.getTime() + 3_600_000 + index * 7000).toISOString() }, new Date(at.getTime() + 3_600_000 + index * 7000)),
    );
  }
  for (const name of ['North ICB', 'Independent evaluator']) {
    const { apiKey, commissioner } = await new CommissionerStore(outcomes.dataSource).register({ name, scope: { level: 'practice', codes: ['A81001'] } });
    keys.push(apiKey);
    commissioners.push(commissioner);
  }
});

afterAll(async () => {
  await outcomes?.close();
});

async function feed(key: string): Promise<Array<Record<string, unknown>>> {
  const response = await outcomes.request({ url: '/v1/feeds/outcomes?limit=1000', headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
  expect(response.statusCode).toBe(200);
  return response.json().items;
}

async function extract(key: string): Promise<Array<Record<string, string>>> {
  const response = await outcomes.request({ url: '/v1/extracts/research', headers: { authorization: `Bearer ${key}`, accept: 'text/csv' } });
  expect(response.statusCode).toBe(200);
  return parse(response.body, { columns: true });
}

/**
 * Referrals a join on these columns pins down: a value (tuple) that belongs to exactly one referral in
 * each view links those two referrals. Returns how many referrals are linked that way.
 */
function linkedBy(a: Array<Record<string, unknown>>, b: Array<Record<string, unknown>>, columns: string[], referralKey: string): number {
  const index = (rows: Array<Record<string, unknown>>) => {
    const referralsByValue = new Map<string, Set<unknown>>();
    for (const row of rows) {
      if (columns.some((column) => row[column] === null || row[column] === undefined || row[column] === '')) continue;
      const value = JSON.stringify(columns.map((column) => row[column]));
      referralsByValue.set(value, (referralsByValue.get(value) ?? new Set()).add(row[referralKey]));
    }
    return referralsByValue;
  };
  const left = index(a);
  const right = index(b);
  let linked = 0;
  for (const [value, referrals] of left) if (referrals.size === 1 && right.get(value)?.size === 1) linked += 1;
  return linked;
}

it('two commissioners cannot join their feeds on any column, nor on date and practice together', async () => {
  const [a, b] = await Promise.all(keys.map(feed));
  expect(a).toHaveLength(REFERRALS * 3);
  expect(b).toHaveLength(REFERRALS * 3);
  for (const column of Object.keys(a[0])) expect({ column, linked: linkedBy(a, b, [column], 'referralRef') }).toEqual({ column, linked: 0 });
  expect(linkedBy(a, b, ['occurredOn', 'practice'], 'referralRef')).toBe(0);
  expect(linkedBy(a, b, ['occurredOn', 'practice', 'eventType'], 'referralRef')).toBe(0);
});

it('a sender who knows each send instant cannot pick its referrals out of a feed', async () => {
  const rows = (await feed(keys[0])).filter((row) => row.eventType === EventType.ReferralReceived);
  expect(rows).toHaveLength(REFERRALS);
  for (const at of sentAt) {
    const candidates = rows.filter((row) => Object.values(row).some((value) => typeof value === 'string' && (value.includes(at.toISOString().slice(0, 16)) || value === at.toISOString())));
    expect(candidates).toHaveLength(0);
  }
  expect(new Set(rows.map((row) => row.occurredOn))).toEqual(new Set(['2026-11-03']));
});

it('two commissioners cannot join their research extracts on any column, nor line them up by row order', async () => {
  const [a, b] = await Promise.all(keys.map(extract));
  expect(a).toHaveLength(REFERRALS);
  for (const column of Object.keys(a[0])) expect({ column, linked: linkedBy(a, b, [column], 'referralRef') }).toEqual({ column, linked: 0 });
  // Which referral each row is, as only we can tell: the n-th row of one extract is not the n-th of the other.
  const referralOrder = (rows: Array<Record<string, string>>, commissioner: Commissioner) => {
    const lens = commissionerLens(commissioner, outcomes.env.PSEUDONYM_MASTER_KEY);
    const byRef = new Map(referralIds.map((id) => [neutraliseFormula(lens.referralRef(id)), id]));
    return rows.map((row) => byRef.get(row.referralRef));
  };
  const orderA = referralOrder(a, commissioners[0]);
  const orderB = referralOrder(b, commissioners[1]);
  expect(new Set(orderA)).toEqual(new Set(referralIds));
  expect(new Set(orderB)).toEqual(new Set(referralIds));
  const samePosition = orderA.filter((id, position) => orderB[position] === id).length;
  expect(samePosition).toBeLessThan(REFERRALS / 2);
});
