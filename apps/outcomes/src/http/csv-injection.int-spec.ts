import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { neutraliseFormula } from '@app/shared';
import { CommissionerStore } from '../commissioners/commissioner.store';
import { OutcomesHarness, commissionerLens, ingestDirectly, receivedEvent, startOutcomes } from '../testing/harness';

describe('neutraliseFormula (OWASP CSV injection)', () => {
  it.each(['=1+1', '+44 7700', '-Ab3', '@SUM(A1)', '\tx', '\rx'])('prefixes %j with a quote', (cell) => expect(neutraliseFormula(cell)).toBe(`'${cell}`));
  it.each(['Ab3-', 'A81001', '', '1-2', "'quoted"])('leaves %j alone', (cell) => expect(neutraliseFormula(cell)).toBe(cell));
});

describe('CSV the outcomes service produces', () => {
  let outcomes: OutcomesHarness;

  beforeAll(async () => {
    outcomes = await startOutcomes('outcomes_csv');
  });

  afterAll(async () => {
    await outcomes?.close();
  });

  it('shows a pseudonymous reference that begins with "-" as text, not a formula, in the feed and the extract', async () => {
    const { apiKey, commissioner } = await new CommissionerStore(outcomes.dataSource).register({ name: 'CSV ICB', scope: { level: 'practice', codes: ['A81001'] } });
    const lens = commissionerLens(commissioner, outcomes.env.PSEUDONYM_MASTER_KEY);
    let referralId = randomUUID();
    while (!lens.referralRef(referralId).startsWith('-')) referralId = randomUUID();
    await ingestDirectly(outcomes, receivedEvent({ referralId, practiceOdsCode: 'A81001' }));
    const reference = lens.referralRef(referralId);
    for (const url of ['/v1/feeds/outcomes', '/v1/extracts/research']) {
      const response = await outcomes.request({ url, headers: { authorization: `Bearer ${apiKey}`, accept: 'text/csv' } });
      expect(response.statusCode).toBe(200);
      const rows: Array<Record<string, string>> = parse(response.body, { columns: true });
      expect(rows.map((row) => row.referralRef)).toContain(`'${reference}`);
      expect(response.body).not.toMatch(new RegExp(`(^|,)${reference.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}`, 'm'));
    }
  });
});
