import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { EventType } from '@app/shared';
import { CommissionerStore } from '../apps/outcomes/src/commissioners/commissioner.store';
import { markPositionedEvents } from '../apps/outcomes/src/feeds/migrations/1764600000000-feed-position-marks';
import { closedLoop, describeRefusals, openLoop } from './load';
import { sampleMemory } from './processes';
import { startStack } from './stack';
import { Target, sleep, summarise } from './stats';

const LATENCY_RATE_PER_S = 10;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
/** The issue asks for 10 million events; seeding that many takes far longer than a bench run on 2 cores. */
export const FEED_EVENTS = Number(process.env.BENCH_FEED_EVENTS ?? 1_000_000);
/**
 * Pages read per scenario. A p99 needs a couple of hundred samples: of 40 it is simply the slowest page, and a
 * single page that met a scheduling stall on the 2 shared cores (typical pages take 12-20 ms, the odd one 30-56 ms)
 * decided the figure.
 */
const FEED_REQUESTS = Number(process.env.BENCH_FEED_REQUESTS ?? 200);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const PRACTICES = ['A81001', 'A81002', 'A81003', 'A81004', 'A81005', 'A81006', 'A81007', 'A81008'];
const FEED_TYPES = [
  EventType.ReferralReceived,
  EventType.ReferralRouted,
  EventType.NotificationSent,
  EventType.NotificationSent,
  EventType.NotificationDelivered,
  EventType.ReferralAccepted,
  EventType.ReferralContacted,
  EventType.SessionAttended,
  EventType.SessionAttended,
  EventType.ReferralCompleted,
];
const FEED_START = Date.parse('2025-01-01T00:00:00Z');
const FEED_SPAN_MS = 365 * 24 * 3600_000;

/** occurred_at of the n-th seeded event: the seeded year, evenly spread, in feed order. */
const occurredAt = (n: number) => new Date(FEED_START + Math.floor((n * FEED_SPAN_MS) / FEED_EVENTS));

/**
 * A store of FEED_EVENTS events over 20,000-odd referrals in 8 practices, written straight into outcomes'
 * tables with their feed positions and marks (the sequencer's result), in one statement each.
 */
async function seedFeed(dataSource: DataSource): Promise<void> {
  const referrals = Math.ceil(FEED_EVENTS / FEED_TYPES.length);
  await dataSource.query(
    `INSERT INTO "outcomes"."referral" ("referral_id", "status", "practice_ods_code", "pcn_ods_code", "sub_icb_code", "icb_code", "needs", "urgency",
       "age_band", "sex", "postcode_district", "received_at", "last_event_at")
     SELECT md5('bench-referral-' || n)::uuid, 'completed', ($1::text[])[1 + n % 8], 'U12345', '00L', 'QHM', ARRAY['loneliness'], 'routine',
       '65-74', 'female', 'TS1', $2::timestamptz + n * $3::interval, $2::timestamptz + n * $3::interval
     FROM generate_series(0, $4::int - 1) AS n`,
    [PRACTICES, new Date(FEED_START), `${FEED_SPAN_MS / referrals} milliseconds`, referrals],
  );
  await dataSource.query(
    `INSERT INTO "outcomes"."outcome_event" ("event_id", "type", "version", "referral_id", "occurred_at", "source", "correlation_id", "data", "feed_position")
     SELECT gen_random_uuid(), ($1::text[])[1 + n % 10], 1, md5('bench-referral-' || (n / 10))::uuid, $2::timestamptz + n * $3::interval,
       'bench', 'bench', '{}'::jsonb, nextval('"outcomes"."feed_position_seq"')
     FROM generate_series(0, $4::int - 1) AS n ORDER BY n`,
    [FEED_TYPES, new Date(FEED_START), `${FEED_SPAN_MS / FEED_EVENTS} milliseconds`, FEED_EVENTS],
  );
  // The marks the sequencer would have left, had it handed out these positions.
  await markPositionedEvents(dataSource.manager);
  // As a store that grew over a year would be: vacuumed (visibility map set, so index-only scans skip the
  // heap), analysed, and written out, rather than measured while the bulk insert is still being flushed.
  await dataSource.query(`VACUUM (ANALYZE) "outcomes"."outcome_event"`);
  await dataSource.query(`VACUUM (ANALYZE) "outcomes"."referral"`);
  await dataSource.query(`CHECKPOINT`);
}

async function feedPage(url: string, apiKey: string): Promise<{ ms: number; rows: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/x-ndjson' } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`feed answered ${response.status}: ${text.slice(0, 300)}`);
  return { ms: performance.now() - started, rows: text.split('\n').filter(Boolean).length };
}

/**
 * The three services together: how long a referral takes from POST to the link worker's task row at a
 * steady 10 a second (no poll interval may sit in that path), the feed over a seeded event store, and
 * every service's memory idle and while the pipeline works through a burst.
 */
export async function benchPipeline(): Promise<{ title: string; targets: Target[] }> {
  const stack = await startStack('bench_pipeline');
  try {
    const { intake, outcomes, services, dataSource, shots } = stack;
    await sleep(3000);
    const idle = services.map((service) => ({ name: service.name, mb: service.rssMb() }));

    // Latency: POST → the link worker's task row, at a steady 10 referrals a second.
    const postedAt = new Map<string, number>();
    const steady = await openLoop(`${intake.url}/v1/referrals`, LATENCY_RATE_PER_S, LATENCY_SECONDS * 1000, shots, (answer, dueAtEpochMs) => {
      if (answer.status === 202) postedAt.set((JSON.parse(answer.body) as { referralId: string }).referralId, dueAtEpochMs);
    });
    const ids = [...postedAt.keys()];
    const tasksOf = async (): Promise<Array<{ referral_id: string; created: string }>> =>
      dataSource.query(
        `SELECT "referral_id", (extract(epoch FROM min("created_at")) * 1000)::float8 AS "created" FROM "notifier"."task" WHERE "referral_id" = ANY($1) GROUP BY "referral_id"`,
        [ids],
      );
    let tasks = await tasksOf();
    for (const deadline = Date.now() + 30_000; tasks.length < ids.length && Date.now() < deadline; tasks = await tasksOf()) await sleep(500);
    const toTask = tasks.map((task) => Number(task.created) - postedAt.get(task.referral_id)!);
    // A referral with no task row counts as never arriving.
    for (let missing = ids.length - tasks.length; missing > 0; missing -= 1) toTask.push(Infinity);
    const latency = summarise(toTask);

    // Feed: a seeded store, pages of 1,000 at the start, middle and end, with and without a filter.
    const { apiKey } = await new CommissionerStore(dataSource).register({ name: 'Bench ICB', scope: { level: 'practice', codes: PRACTICES } });
    const seedStarted = performance.now();
    await seedFeed(dataSource);
    const seedS = (performance.now() - seedStarted) / 1000;
    const scenarios: Array<[string, string]> = [
      ['start', ''],
      ['middle', `since=${occurredAt(FEED_EVENTS / 2).toISOString()}`],
      ['end', `since=${occurredAt(FEED_EVENTS - 1500).toISOString()}`],
      ['start, one practice', 'practice=A81001'],
      ['middle, one practice', `practice=A81001&since=${occurredAt(FEED_EVENTS / 2).toISOString()}`],
      ['end, one practice', `practice=A81001&since=${occurredAt(FEED_EVENTS - 12_000).toISOString()}`],
    ];
    // The issue asks for the p99 at the start, middle and end, with and without filters: each scenario's
    // p99 must be under the limit, so the worst of them is the figure (pooling them hid a slow scenario).
    const scenarioP99: number[] = [];
    const perScenario: string[] = [];
    for (const [label, query] of scenarios) {
      const url = `${outcomes.url}/v1/feeds/outcomes?limit=1000${query ? `&${query}` : ''}`;
      await feedPage(url, apiKey);
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < FEED_REQUESTS; i += 1) {
        const page = await feedPage(url, apiKey);
        times.push(page.ms);
        rows = page.rows;
      }
      const { p99 } = summarise(times);
      scenarioP99.push(p99);
      perScenario.push(`${label} ${p99.toFixed(0)} ms (${rows} rows)`);
    }

    // Memory under load: a burst as fast as intake takes it, then the pipeline working through it.
    const stopSampling = sampleMemory(services);
    const tasksBefore = Number((await dataSource.query(`SELECT count(DISTINCT "referral_id")::int AS "n" FROM "notifier"."task"`))[0].n);
    const burst = await closedLoop(`${intake.url}/v1/referrals`, 16, LOAD_SECONDS * 1000, shots);
    await sleep(LOAD_SECONDS * 1000);
    const tasksAfter = Number((await dataSource.query(`SELECT count(DISTINCT "referral_id")::int AS "n" FROM "notifier"."task"`))[0].n);
    stopSampling();
    const routedPerS = (tasksAfter - tasksBefore) / (2 * LOAD_SECONDS);

    return {
      title: `pipeline: intake + notifier + outcomes, each its own process`,
      targets: [
        {
          name: `POST → link worker's task row p99, ${LATENCY_RATE_PER_S} referrals/s`,
          actual: latency.p99,
          unit: 'ms',
          kind: 'max',
          limit: 50,
          note: `p50 ${latency.p50.toFixed(0)} ms, ${tasks.length} of ${ids.length} referrals with a task row; ${describeRefusals(steady)}`,
        },
        {
          name: `feed page of 1,000 rows p99, worst scenario, ${FEED_EVENTS.toLocaleString('en-GB')}-event store`,
          actual: Math.max(...scenarioP99),
          unit: 'ms',
          kind: 'max',
          limit: 50,
          note: `${FEED_EVENTS < 10_000_000 ? "scaled down from the issue's 10 million events" : 'the issue\'s size'} (seeded in ${seedS.toFixed(0)} s); p99 of ${FEED_REQUESTS} pages each: ${perScenario.join('; ')}`,
        },
        ...idle.map(({ name, mb }) => ({ name: `${name} RSS idle`, actual: mb, unit: 'MB', kind: 'max' as const, limit: 150 })),
        ...services.map((service) => ({
          name: `${service.name} RSS peak under load`,
          actual: service.peak(),
          unit: 'MB',
          kind: 'max' as const,
          limit: 300,
          note:
            service === intake
              ? `burst: ${burst.accepted} referrals in ${LOAD_SECONDS} s (${describeRefusals(burst)}); ${routedPerS.toFixed(0)} referrals/s got their task row over the burst and the ${LOAD_SECONDS} s after it`
              : undefined,
        })),
      ],
    };
  } finally {
    await stack.stop();
  }
}
