import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { CommissionerStore } from '../commissioners/commissioner.store';
import { LifecycleStore } from '../lifecycle/lifecycle.store';
import { FeedStore, SEQUENCER_LOCK } from './feed.store';
import { OutcomesHarness, followUp, ingestDirectly, receivedEvent, startOutcomes } from '../testing/harness';
import { OUTCOMES_SCHEMA } from '../environment';

let outcomes: OutcomesHarness;
let apiKey: string;
const linkWorkerId = randomUUID();

beforeAll(async () => {
  outcomes = await startOutcomes('outcomes_paging');
  ({ apiKey } = await new CommissionerStore(outcomes.dataSource).register({ name: 'ICB', scope: { level: 'icb', codes: ['QHM'] } }));
});

afterAll(async () => {
  await outcomes.close();
});

async function routedReferral(): Promise<string> {
  const received = receivedEvent({ occurredAt: new Date() });
  await ingestDirectly(outcomes, received, followUp(EventType.ReferralRouted, received.referralId, { linkWorkerId, tasks: [] }, new Date()));
  return received.referralId;
}

function notification(referralId: string) {
  return followUp(EventType.NotificationSent, referralId, { notificationId: randomUUID(), recipientType: 'link-worker', recipientId: linkWorkerId, channel: 'email', provider: 'smtp' }, new Date());
}

async function page(after: string, limit: number): Promise<{ refs: string[]; nextCursor: string; hasMore: boolean }> {
  const response = await outcomes.request({
    url: `/v1/feeds/outcomes?limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
    headers: { authorization: `Bearer ${apiKey}`, accept: 'application/x-ndjson' },
  });
  expect(response.statusCode).toBe(200);
  const refs = response.body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).eventRef as string);
  return { refs, nextCursor: String(response.headers['x-next-cursor']), hasMore: response.headers['x-has-more'] === 'true' };
}

async function readToEnd(after: string, limit: number): Promise<{ refs: string[]; cursor: string }> {
  const refs: string[] = [];
  let cursor = after;
  for (;;) {
    const next = await page(cursor, limit);
    refs.push(...next.refs);
    cursor = next.nextCursor;
    if (!next.hasMore) return { refs, cursor };
  }
}

describe('cursor paging while events are being written', () => {
  it('serves an event that committed after a later-numbered one, instead of skipping it', async () => {
    const slow = await routedReferral();
    const fast = await routedReferral();
    const start = await readToEnd('', 50);
    const store = outcomes.app.get(LifecycleStore);
    const runner = outcomes.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const early = notification(slow);
    await store.ingest(runner.manager, early);
    const late = notification(fast);
    await ingestDirectly(outcomes, late);

    // The later-numbered event is committed and served; the earlier-numbered one is still in flight.
    const first = await readToEnd(start.cursor, 50);
    expect(first.refs).toHaveLength(1);
    await runner.commitTransaction();
    await runner.release();
    const second = await readToEnd(first.cursor, 50);
    expect(second.refs).toHaveLength(1);
    expect(second.refs[0]).not.toBe(first.refs[0]);
    const [seqs] = await outcomes.dataSource.query(
      `SELECT (SELECT "seq" FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "event_id" = $1)::int AS "early", (SELECT "seq" FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "event_id" = $2)::int AS "late"`,
      [early.id, late.id],
    );
    // A cursor over "seq" would have stepped past the early event here and never served it.
    expect(seqs.early).toBeLessThan(seqs.late);
  });

  it('never skips or repeats an event while writers commit concurrently and out of order', async () => {
    const writers = 5;
    const perWriter = 25;
    const referrals = await Promise.all(Array.from({ length: writers }, () => routedReferral()));
    const start = await readToEnd('', 1000);
    const store = outcomes.app.get(LifecycleStore);
    let writing = true;
    const write = async (referralId: string) => {
      for (let index = 0; index < perWriter; index += 1) {
        await outcomes.dataSource.transaction(async (manager) => {
          await store.ingest(manager, notification(referralId));
          await manager.query(`SELECT pg_sleep(random() * 0.03)`);
        });
      }
    };
    const seen: string[] = [];
    const read = async () => {
      let cursor = start.cursor;
      for (;;) {
        const done = !writing;
        const next = await page(cursor, 7);
        seen.push(...next.refs);
        cursor = next.nextCursor;
        if (done && !next.hasMore) return;
      }
    };
    const reader = read();
    await Promise.all(referrals.map(write));
    writing = false;
    await reader;
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(writers * perWriter);
    const everything = await readToEnd(start.cursor, 1000);
    expect([...seen].sort()).toEqual([...everything.refs].sort());
  });

  it('reads without waiting for a sequencer when no event waits for a position', async () => {
    await routedReferral();
    const start = await readToEnd('', 1000);
    // Another reader's sequencer transaction, holding the lock: a read that took it too would wait here.
    const sequencer = outcomes.dataSource.createQueryRunner();
    await sequencer.connect();
    await sequencer.startTransaction();
    try {
      await sequencer.query(`SELECT pg_advisory_xact_lock($1)`, [SEQUENCER_LOCK]);
      const next = await page(start.cursor, 50);
      expect(next.refs).toEqual([]);
      expect(next.hasMore).toBe(false);
    } finally {
      await sequencer.rollbackTransaction();
      await sequencer.release();
    }
  });

  it('waits for a sequencer positioning committed events, then serves them once', async () => {
    const referralId = await routedReferral();
    const start = await readToEnd('', 1000);
    await ingestDirectly(outcomes, notification(referralId), notification(referralId));
    const sequencer = outcomes.dataSource.createQueryRunner();
    await sequencer.connect();
    await sequencer.startTransaction();
    await sequencer.query(`SELECT pg_advisory_xact_lock($1)`, [SEQUENCER_LOCK]);
    await sequencer.query(`UPDATE "${OUTCOMES_SCHEMA}"."outcome_event" SET "feed_position" = nextval('"${OUTCOMES_SCHEMA}"."feed_position_seq"') WHERE "feed_position" IS NULL`);
    // The read sees the two events still without positions (the update is not committed) and waits for the lock.
    const reading = page(start.cursor, 50);
    await eventually(async () => {
      const [{ waiting }] = await outcomes.dataSource.query(`SELECT count(*)::int AS "waiting" FROM pg_locks WHERE "locktype" = 'advisory' AND NOT "granted"`);
      return waiting > 0;
    });
    await sequencer.commitTransaction();
    await sequencer.release();
    const read = await reading;
    expect(read.refs).toHaveLength(2);
    expect(read.hasMore).toBe(false);
    expect((await page(read.nextCursor, 50)).refs).toEqual([]);
  });

  it('streams a page larger than one read batch, in order, without gaps', async () => {
    const referralId = await routedReferral();
    const start = await readToEnd('', 1000);
    await outcomes.dataSource.query(
      `INSERT INTO "${OUTCOMES_SCHEMA}"."outcome_event" ("event_id", "type", "version", "referral_id", "occurred_at", "source", "correlation_id", "data")
       SELECT gen_random_uuid(), $1, 1, $2, now() + n * interval '1 millisecond', 'notifier', 'bulk', '{"recipientType":"link-worker","channel":"email","provider":"smtp"}'::jsonb
       FROM generate_series(1, 1234) AS n`,
      [EventType.NotificationSent, referralId],
    );
    const response = await outcomes.request({
      url: `/v1/feeds/outcomes?limit=100000&after=${encodeURIComponent(start.cursor)}`,
      headers: { authorization: `Bearer ${apiKey}`, accept: 'text/csv' },
    });
    const rows = parse(response.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(1234);
    expect(new Set(rows.map((row) => row.eventRef)).size).toBe(1234);
    expect(rows.map((row) => row.occurredOn)).toEqual([...rows.map((row) => row.occurredOn)].sort());
    expect(response.headers['x-has-more']).toBe('false');

    // The same events in pages of exactly one read batch and of one more: each page's bounds, hasMore and
    // cursor agree with the rows it sent (the CSV above shows a reference starting with "-" after a quote).
    for (const limit of [1000, 1001]) {
      const first = await page(start.cursor, limit);
      expect(first.refs).toHaveLength(limit);
      expect(first.hasMore).toBe(true);
      const rest = await page(first.nextCursor, limit);
      expect(rest.refs).toHaveLength(1234 - limit);
      expect(rest.hasMore).toBe(false);
      expect([...first.refs, ...rest.refs].sort()).toEqual(rows.map((row) => row.eventRef.replace(/^'/, '')).sort());
    }
  });
});

describe('since without a cursor', () => {
  // Days after every event the other tests wrote (they occurred now).
  const today = new Date();
  const day = (n: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 2 + n));
  const dateOf = (n: number) => day(n).toISOString().slice(0, 10);

  async function rowsSince(since: Date | null): Promise<Array<{ eventRef: string; occurredOn: string }>> {
    const rows: Array<{ eventRef: string; occurredOn: string }> = [];
    let after = '';
    for (;;) {
      const response = await outcomes.request({
        url: `/v1/feeds/outcomes?limit=25${since ? `&since=${since.toISOString()}` : ''}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/x-ndjson' },
      });
      expect(response.statusCode).toBe(200);
      rows.push(...response.body.split('\n').filter(Boolean).map((line) => JSON.parse(line)));
      after = String(response.headers['x-next-cursor']);
      if (response.headers['x-has-more'] !== 'true') return rows;
    }
  }

  it('starts at the first position an event at or after `since` can hold, and still finds events that arrived late', async () => {
    const referrals: string[] = [];
    for (let n = 0; n < 30; n += 1) {
      const received = receivedEvent({ occurredAt: day(n) });
      referrals.push(received.referralId);
      await ingestDirectly(outcomes, received, followUp(EventType.ReferralRouted, received.referralId, { linkWorkerId, tasks: [] }, day(n)));
      // Positions are handed out batch by batch as the feed is read.
      if (n % 5 === 4) await rowsSince(null);
    }
    // Late arrivals, positioned after everything: one occurred after `since`, one long before.
    const late = (referralId: string, at: Date) =>
      followUp(EventType.NotificationSent, referralId, { notificationId: randomUUID(), recipientType: 'link-worker', recipientId: linkWorkerId, channel: 'email', provider: 'smtp' }, at);
    await ingestDirectly(outcomes, late(referrals[21], day(25)), late(referrals[1], day(2)));

    const since = day(20);
    const everything = await rowsSince(null);
    const expected = everything.filter((row) => row.occurredOn >= dateOf(20)).map((row) => row.eventRef);
    const found = await rowsSince(since);
    expect(found.map((row) => row.eventRef)).toEqual(expected);
    expect(found.filter((row) => row.occurredOn === dateOf(25))).toHaveLength(3);
    expect(found.some((row) => row.occurredOn === dateOf(2))).toBe(false);

    // Where the read starts: past the events of the first twenty days, and before any event at or after `since`.
    const start = await outcomes.app.get(FeedStore).positionBefore(since);
    const [{ before, skipped }] = await outcomes.dataSource.query(
      `SELECT count(*) FILTER (WHERE "occurred_at" >= $1)::int AS "before", count(*) FILTER (WHERE "occurred_at" < $1)::int AS "skipped"
       FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "feed_position" <= $2`,
      [since, start],
    );
    expect(before).toBe(0);
    expect(skipped).toBeGreaterThanOrEqual(40);
  });
});
