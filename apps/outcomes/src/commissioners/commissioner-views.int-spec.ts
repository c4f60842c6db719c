import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { EventType, MeasureRecordedPayload, neutraliseFormula } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { RESEARCH_COLUMNS } from '../extracts/dictionary';
import { OutcomesHarness, SAMPLE_PATIENT, followUp, ingestDirectly, receivedEvent, startOutcomes } from '../testing/harness';
import { CommissionerStore } from './commissioner.store';
import { OUTCOMES_SCHEMA } from '../environment';

let outcomes: OutcomesHarness;
const linkWorkerId = randomUUID();
const organisationId = randomUUID();
const REPEAT_NHS_NUMBER = '4010232137';
const keys: Record<string, string> = {};
const november = (day: number, hour = 9) => new Date(Date.UTC(2026, 10, day, hour));

function measure(referralId: string, kind: MeasureRecordedPayload['measure'], timepoint: 'start' | 'end', items: number[], score: Record<string, number>, at: Date) {
  return followUp(EventType.MeasureRecorded, referralId, { measureId: randomUUID(), measure: kind, timepoint, items, score, recordedAt: at.toISOString(), recordedBy: { kind: 'link-worker', id: linkWorkerId } }, at);
}

/**
 * Referrals received in November 2026: 13 at A81001 (12 routed), 8 at A81002, 7 at A81003, 1 at A81006.
 * Eight of A81002's were accepted, contacted two days after receipt, and measured on UCLA3 before and after.
 */
beforeAll(async () => {
  outcomes = await startOutcomes('outcomes_views');
  const plan: Array<[string, number]> = [
    ['A81001', 13],
    ['A81002', 8],
    ['A81003', 7],
    ['A81006', 1],
  ];
  for (const [practice, count] of plan) {
    for (let index = 0; index < count; index += 1) {
      const received = receivedEvent({
        practiceOdsCode: practice,
        occurredAt: november(2 + index),
        needs: index % 2 === 0 ? ['loneliness'] : ['loneliness', 'housing'],
        ...(practice === 'A81001' && index < 2 ? { patient: { ...SAMPLE_PATIENT, nhsNumber: REPEAT_NHS_NUMBER } } : {}),
      });
      const referralId = received.referralId;
      const events = [received];
      if (practice === 'A81001' && index < 12) {
        events.push(followUp(EventType.ReferralRouted, referralId, { linkWorkerId, tasks: [] }, november(2 + index, 10)) as never);
      }
      if (practice === 'A81002') {
        events.push(
          followUp(EventType.ReferralRouted, referralId, { linkWorkerId, tasks: [{ recipientType: 'organisation', recipientId: organisationId, reason: 'match' }] }, november(2 + index, 10)) as never,
          followUp(EventType.ReferralAccepted, referralId, { recipientType: 'organisation', recipientId: organisationId, organisationId, decidedAt: november(2 + index, 11).toISOString() }, november(2 + index, 11)) as never,
          followUp(EventType.ReferralContacted, referralId, { recordedBy: { kind: 'link-worker', id: linkWorkerId }, occurredAt: november(4 + index).toISOString() }, november(4 + index)) as never,
          measure(referralId, 'UCLA3', 'start', [3, 3, 3], { total: 9 }, november(4 + index, 10)) as never,
          measure(referralId, 'UCLA3', 'end', [2, 2, 2], { total: 6 }, november(20, 10 + index)) as never,
        );
        if (index < 2) {
          events.push(
            measure(referralId, 'SWEMWBS', 'start', [3, 3, 3, 3, 3, 3, 3], { raw: 21, metric: 19.25 }, november(4 + index, 10)) as never,
            measure(referralId, 'SWEMWBS', 'end', [4, 4, 4, 4, 4, 4, 4], { raw: 28, metric: 25.03 }, november(21)) as never,
          );
        }
      }
      await ingestDirectly(outcomes, ...events);
    }
  }
  await ingestDirectly(outcomes, receivedEvent({ practiceOdsCode: 'A81001', occurredAt: new Date(Date.UTC(2026, 9, 30)) }));
  const register = async (name: string, level: 'icb' | 'pcn' | 'practice', codes: string[]) => {
    keys[name] = (await new CommissionerStore(outcomes.dataSource).register({ name, scope: { level, codes } })).apiKey;
  };
  await register('icb', 'icb', ['QHM']);
  await register('icb-evaluator', 'icb', ['QHM']);
  await register('pcn2', 'pcn', ['U81002']);
  await register('a81001', 'practice', ['A81001']);
});

afterAll(async () => {
  await outcomes.close();
});

function get(url: string, key: string, accept = 'application/json') {
  return outcomes.request({ url, headers: { authorization: `Bearer ${key}`, accept } });
}

async function allFeedItems(key: string, query = ''): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = [];
  let cursor = '';
  for (;;) {
    const response = await get(`/v1/feeds/outcomes?limit=20${query}${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`, key);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    items.push(...body.items);
    if (!body.hasMore) return items;
    cursor = body.nextCursor;
  }
}

describe('what each commissioner sees', () => {
  it('shows each commissioner exactly their own area', async () => {
    const icb = await allFeedItems(keys.icb);
    const practice = await allFeedItems(keys.a81001);
    const pcn2 = await allFeedItems(keys.pcn2);
    expect(new Set(practice.map((item) => item.practice))).toEqual(new Set(['A81001']));
    expect(new Set(pcn2.map((item) => item.practice))).toEqual(new Set(['A81006']));
    expect(pcn2).toHaveLength(1);
    expect(practice.filter((item) => item.eventType === EventType.ReferralReceived)).toHaveLength(14);
    // A81002: received, routed, accepted, contacted and two UCLA3 measures each, plus two SWEMWBS pairs; A81003: received only.
    expect(icb.length).toBe(practice.length + pcn2.length + 8 * 6 + 2 * 2 + 7);
  });

  it('filters by practice, PCN, need, organisation, type and time, within the scope', async () => {
    const byPractice = await allFeedItems(keys.icb, '&practice=A81003');
    expect(byPractice).toHaveLength(7);
    const byPcn = await allFeedItems(keys.icb, '&pcn=U81002');
    expect(byPcn).toHaveLength(1);
    const byNeed = await allFeedItems(keys.icb, `&need=housing&type=${EventType.ReferralReceived}`);
    expect(byNeed).toHaveLength(6 + 4 + 3 + 0);
    const byOrganisation = await allFeedItems(keys.icb, `&organisation=${organisationId}&type=${EventType.ReferralAccepted}`);
    expect(byOrganisation).toHaveLength(8);
    const window = await allFeedItems(keys.icb, `&since=2026-11-01&until=2026-11-03&type=${EventType.ReferralReceived}`);
    expect(window).toHaveLength(4);
    const outside = await allFeedItems(keys.pcn2, '&practice=A81001');
    expect(outside).toHaveLength(0);
    const bad = await get('/v1/feeds/outcomes?since=yesterday&practice=X1&limit=0&type=referral.teleported', keys.icb);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((error: { pointer: string }) => error.pointer).sort()).toEqual(['/limit', '/practice', '/since', '/type']);
  });

  it('keeps a person’s pseudonym stable for one commissioner and unlinkable across two', async () => {
    const icb = (await allFeedItems(keys.icb, `&practice=A81001&since=2026-11-01&type=${EventType.ReferralReceived}`)).filter((item) => item.occurredOn < '2026-11-04');
    const evaluator = (await allFeedItems(keys['icb-evaluator'], `&practice=A81001&since=2026-11-01&type=${EventType.ReferralReceived}`)).filter((item) => item.occurredOn < '2026-11-04');
    expect(icb).toHaveLength(2);
    expect(icb[0].pseudonym).toBe(icb[1].pseudonym);
    expect(icb[0].referralRef).not.toBe(icb[1].referralRef);
    const again = (await allFeedItems(keys.icb, `&practice=A81001&since=2026-11-01&type=${EventType.ReferralReceived}`)).filter((item) => item.occurredOn < '2026-11-04');
    expect(again.map((item) => item.pseudonym)).toEqual(icb.map((item) => item.pseudonym));
    expect(evaluator[0].pseudonym).toBe(evaluator[1].pseudonym);
    expect(evaluator[0].pseudonym).not.toBe(icb[0].pseudonym);
    expect(evaluator.map((item) => item.referralRef)).not.toEqual(icb.map((item) => item.referralRef));
    expect(evaluator.map((item) => item.eventRef)).not.toEqual(icb.map((item) => item.eventRef));
  });

  it('refuses another commissioner’s cursor', async () => {
    const page = await get('/v1/feeds/outcomes?limit=1', keys.icb);
    const stolen = await get(`/v1/feeds/outcomes?after=${encodeURIComponent(page.json().nextCursor)}`, keys['icb-evaluator']);
    expect(stolen.statusCode).toBe(400);
  });

  it('serves the same rows as CSV and NDJSON, and CSV reads back with a real parser', async () => {
    const json = (await get('/v1/feeds/outcomes?limit=1000', keys.a81001)).json().items;
    const csv = await get('/v1/feeds/outcomes?limit=1000', keys.a81001, 'text/csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = parse(csv.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(json.length);
    // A reference that happens to start with '-' is quoted in CSV so Excel does not read it as a formula.
    expect(rows.map((row) => row.eventRef)).toEqual(json.map((item: { eventRef: string }) => neutraliseFormula(item.eventRef)));
    expect(rows[0]).toMatchObject({ practice: 'A81001', pcn: 'U81001', eventType: EventType.ReferralReceived, pseudonym: neutraliseFormula(json[0].pseudonym) });
    expect(rows.find((row) => row.needs.includes(';'))?.needs).toBe('loneliness;housing');
    const ndjson = await get('/v1/feeds/outcomes?limit=1000', keys.a81001, 'application/x-ndjson');
    expect(ndjson.headers['content-type']).toBe('application/x-ndjson');
    const lines = ndjson.body.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual(json);
    const refused = await get('/v1/feeds/outcomes', keys.a81001, 'application/xml');
    expect(refused.statusCode).toBe(406);
  });

  it('never puts identifiers in any feed, report or extract', async () => {
    const bodies = await Promise.all([
      get('/v1/feeds/outcomes?limit=1000', keys.icb, 'text/csv'),
      get('/v1/reports/summary?period=2026-11', keys.icb),
      get('/v1/extracts/research', keys.icb, 'text/csv'),
    ]);
    const patient = SAMPLE_PATIENT;
    for (const { body } of bodies) {
      for (const value of [patient.nhsNumber, REPEAT_NHS_NUMBER, patient.givenName, patient.familyName, patient.dateOfBirth, patient.postcode!, patient.phone!, patient.email!]) {
        expect(body).not.toContain(value);
      }
    }
  });
});

describe('the summary report', () => {
  it('suppresses every cell, rounding totals from unrounded counts', async () => {
    const response = await get('/v1/reports/summary?period=2026-11', keys.icb);
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.referrals.total).toBe(30);
    expect(report.byPractice).toEqual({ A81001: 15, A81002: 10, A81003: '*', A81006: '*' });
    expect(report.byStatus).toEqual({ received: 10, routed: 10, unrouted: 0, accepted: 0, declined: 0, contacted: 10, 'in-progress': 0, completed: 0, closed: 0, cancelled: 0, 'consent-withdrawn': 0 });
    expect(report.byNeed).toEqual({ housing: 15, loneliness: 30 });
    expect(report.byOrganisation).toEqual({ [organisationId]: 10, none: 20 });
    expect(report.funnel).toEqual({ received: 30, accepted: 10, attended: 0, completed: 0 });
    expect(report.daysToFirstContact).toEqual({ median: 2, n: 10 });
    expect(report.wellbeingChange['UCLA3.total']).toEqual({ meanChange: -3, n: 10 });
    expect(report.wellbeingChange['SWEMWBS.metric']).toEqual({ meanChange: '*', n: '*' });
    expect(report.wellbeingChange['ONS4.anxiety']).toEqual({ meanChange: null, n: 0 });
  });

  it('cuts the report to the commissioner’s area and period', async () => {
    const pcn = (await get('/v1/reports/summary?period=2026-Q4', keys.pcn2)).json();
    expect(pcn.referrals.total).toBe('*');
    expect(pcn.byPractice).toEqual({ A81006: '*' });
    const october = (await get('/v1/reports/summary?period=2026-10', keys.a81001)).json();
    expect(october.referrals.total).toBe('*');
    const empty = (await get('/v1/reports/summary?period=2025', keys.icb)).json();
    expect(empty.referrals.total).toBe(0);
    const bad = await get('/v1/reports/summary?period=last-month', keys.icb);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ pointer: '/period', detail: expect.any(String) }]);
  });

  it('is available as CSV', async () => {
    const csv = await get('/v1/reports/summary?period=2026-11', keys.icb, 'text/csv');
    const rows = parse(csv.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toContainEqual({ section: 'byPractice', category: 'A81003', statistic: 'count', value: '*' });
    expect(rows).toContainEqual({ section: 'funnel', category: 'received', statistic: 'count', value: '30' });
  });
});

describe('the research extract', () => {
  it('has one pseudonymised row per referral with pre/post measures and timings, described by its dictionary', async () => {
    const csv = await get('/v1/extracts/research?period=2026-11', keys['icb-evaluator'], 'text/csv');
    expect(csv.statusCode).toBe(200);
    const rows = parse(csv.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(29);
    expect(Object.keys(rows[0])).toEqual(RESEARCH_COLUMNS);
    const measured = rows.filter((row) => row.ucla3TotalStart !== '');
    expect(measured).toHaveLength(8);
    expect(measured[0]).toMatchObject({ ucla3TotalStart: '9', ucla3TotalEnd: '6', daysToFirstContact: '2', status: 'contacted', receivedMonth: '2026-11', practice: 'A81002' });
    expect(rows.filter((row) => row.swemwbsMetricEnd === '25.03')).toHaveLength(2);
    const dictionary = (await get('/v1/extracts/research/dictionary', keys['icb-evaluator'])).json();
    expect(dictionary.columns.map((entry: { column: string }) => entry.column)).toEqual(RESEARCH_COLUMNS);
    const everything = parse((await get('/v1/extracts/research', keys.pcn2, 'text/csv')).body, { columns: true });
    expect(everything).toHaveLength(1);
  });
});

describe('the access audit', () => {
  it('records who read what, with which filters, and how many rows', async () => {
    const { commissioner, apiKey } = await new CommissionerStore(outcomes.dataSource).register({ name: 'audited', scope: { level: 'pcn', codes: ['U81001'] } });
    await get('/v1/feeds/outcomes?practice=A81003&limit=5', apiKey, 'text/csv');
    await get('/v1/reports/summary?period=2026-11', apiKey);
    await get('/v1/extracts/research', apiKey, 'text/csv');
    const rows: Array<Record<string, any>> = await eventually(async () => {
      const audit = await outcomes.dataSource.query(
        `SELECT "principal_kind", "principal_id", "resource", "filters", "rows_returned", "completed" FROM "${OUTCOMES_SCHEMA}"."access_audit" WHERE "principal_id" = $1`,
        [commissioner.id],
      );
      return audit.length === 3 ? audit : undefined;
    });
    const byResource = Object.fromEntries(rows.map((row) => [row.resource, row]));
    expect(byResource['feed.outcomes']).toMatchObject({ principal_kind: 'commissioner', rows_returned: 5, completed: true, filters: { practices: ['A81003'], limit: 5 } });
    expect(byResource['report.summary']).toMatchObject({ filters: { period: '2026-11' }, completed: true });
    expect(byResource['extract.research']).toMatchObject({ rows_returned: 29, completed: true });
  });
});
