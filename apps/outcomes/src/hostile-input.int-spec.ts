import { randomUUID } from 'node:crypto';
import { EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { CommissionerStore } from './commissioners/commissioner.store';
import { RecordingStore } from './recording/recording.store';
import { OutcomesHarness, followUp, receivedEvent, startOutcomes } from './testing/harness';
import { OUTCOMES_SCHEMA } from './environment';

/** Inputs that each answered 500 (issue 9): now named 4xx problems, with nothing stored. */
let outcomes: OutcomesHarness;
let commissionerKey: string;
let linkWorkerKey: string;
let referralId: string;
const linkWorkerId = randomUUID();

beforeAll(async () => {
  outcomes = await startOutcomes('outcomes_hostile');
  ({ apiKey: commissionerKey } = await new CommissionerStore(outcomes.dataSource).register({ name: 'Test ICB', scope: { level: 'practice', codes: ['A81001'] } }));
  ({ apiKey: linkWorkerKey } = await new RecordingStore(outcomes.dataSource).registerKey({ kind: 'link-worker', id: linkWorkerId }));
  const received = receivedEvent({ occurredAt: new Date(Date.now() - 86_400_000) });
  referralId = received.referralId;
  await outcomes.deliver(received, followUp(EventType.ReferralRouted, referralId, { linkWorkerId, tasks: [] }, new Date(Date.now() - 86_000_000)));
  await eventually(async () => {
    const [row] = await outcomes.dataSource.query(`SELECT "status" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [referralId]);
    return row?.status === 'routed';
  });
});

afterAll(async () => {
  await outcomes?.close();
});

async function stored(): Promise<number> {
  const [row] = await outcomes.dataSource.query(`SELECT (SELECT count(*) FROM "${OUTCOMES_SCHEMA}"."outbox") + (SELECT count(*) FROM "${OUTCOMES_SCHEMA}"."outcome_event") + (SELECT count(*) FROM "${OUTCOMES_SCHEMA}"."measure") AS "count"`);
  return Number(row.count);
}

function expectProblem(response: Awaited<ReturnType<OutcomesHarness['request']>>, status: number, pointer: string): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.json().errors.map((error: { pointer: string }) => error.pointer)).toContain(pointer);
}

const record = (path: 'outcomes' | 'measures', payload: unknown) =>
  outcomes.request({ method: 'POST', url: `/v1/referrals/${referralId}/${path}`, headers: { authorization: `Bearer ${linkWorkerKey}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

let before: number;
beforeEach(async () => {
  before = await stored();
});
afterEach(async () => {
  expect(await stored()).toBe(before);
});

it('need=%00 on the feed', async () => {
  expectProblem(await outcomes.request({ url: '/v1/feeds/outcomes?need=%00', headers: { authorization: `Bearer ${commissionerKey}` } }), 400, '/need');
});

it.each([
  ['an object', { toString: null, valueOf: null }],
  ['an array', [['moved-away']]],
])('a closing reason that is %s', async (_label, reason) => {
  expectProblem(await record('outcomes', { type: 'closed', reason }), 400, '/reason');
});

it('measure "__proto__"', async () => {
  expectProblem(await record('measures', { measure: '__proto__', timepoint: 'start', items: [1, 2, 3, 4] }), 400, '/measure');
});
