import { randomUUID } from 'node:crypto';
import { JobName, JobQueues, planJob } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { notifierJobs } from '../apps/notifier/src/notifier-jobs';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { OUTCOMES_SCHEMA, OutcomesEnvironment } from '../apps/outcomes/src/environment';
import { outcomesJobs } from '../apps/outcomes/src/outcomes-jobs';
import { OutcomesHarness, startOutcomes } from '../apps/outcomes/src/testing/harness';
import { intakeJobs } from '../apps/referral-intake/src/intake-jobs';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';

/**
 * Issue 9: published outbox rows were never deleted. Every service schedules a purge on the shared job
 * runner; here outcomes' runs and deletes what is past OUTBOX_RETENTION_HOURS, and nothing still waiting.
 */
it('every service that publishes events schedules the purge of its outbox, hourly', () => {
  expect(intakeJobs(new IntakeEnvironment()).schedules).toMatchObject({ [JobName.PurgeIntakeOutbox]: 3_600_000 });
  expect(notifierJobs(new NotifierEnvironment()).schedules).toMatchObject({ [JobName.PurgeNotifierOutbox]: 3_600_000 });
  expect(outcomesJobs(new OutcomesEnvironment()).schedules).toMatchObject({ [JobName.PurgeOutcomesOutbox]: 3_600_000 });
});

describe('the scheduled outbox purge', () => {
  let outcomes: OutcomesHarness;

  beforeAll(async () => {
    outcomes = await startOutcomes('outbox_retention', { OUTBOX_RETENTION_HOURS: '24' });
  });

  afterAll(async () => {
    await outcomes?.close();
  });

  it('deletes published rows past retention when the job runs, and keeps recent and unpublished ones', async () => {
    const insert = (published: string | null) =>
      outcomes.dataSource
        .query(`INSERT INTO "${OUTCOMES_SCHEMA}"."outbox" ("id", "type", "envelope", "published_at") VALUES ($1, 'referral.completed', '{}', ${published ?? 'NULL'}) RETURNING "id"`, [randomUUID()])
        .then(([row]: Array<{ id: string }>) => row.id);
    const old = await insert(`now() - interval '25 hours'`);
    const recent = await insert('now()');
    const waiting = await insert(null);
    await outcomes.app.get(JobQueues).add([planJob(JobName.PurgeOutcomesOutbox, {})]);
    await eventually(async () => (await outcomes.dataSource.query(`SELECT 1 FROM "${OUTCOMES_SCHEMA}"."outbox" WHERE "id" = $1`, [old])).length === 0);
    const left = (await outcomes.dataSource.query(`SELECT "id" FROM "${OUTCOMES_SCHEMA}"."outbox"`)).map((row: { id: string }) => row.id);
    expect(left).toEqual(expect.arrayContaining([recent, waiting]));
  });
});

describe('the outbox indexes', () => {
  let outcomes: OutcomesHarness;

  beforeAll(async () => {
    outcomes = await startOutcomes('outbox_indexes');
  });

  afterAll(async () => {
    await outcomes?.close();
  });

  /** The plan PostgreSQL picks when a table is large enough that reading all of it is the worst choice. */
  async function planOf(sql: string): Promise<string> {
    return outcomes.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL enable_seqscan = off');
      const rows: Array<{ 'QUERY PLAN': string }> = await manager.query(`EXPLAIN ${sql}`);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
  }

  it('serve the purge and the reconciler window from "outbox_published", and the relay from "outbox_unpublished"', async () => {
    expect(await planOf(`DELETE FROM "${OUTCOMES_SCHEMA}"."outbox" WHERE "published_at" IS NOT NULL AND "published_at" < now() - interval '24 hours'`)).toContain('outbox_published');
    expect(
      await planOf(`SELECT "seq" FROM "${OUTCOMES_SCHEMA}"."outbox" WHERE "published_at" IS NOT NULL AND "published_at" > now() - interval '24 hours' AND "published_at" < now() - interval '30 seconds'`),
    ).toContain('outbox_published');
    expect(await planOf(`SELECT "id" FROM "${OUTCOMES_SCHEMA}"."outbox" WHERE "published_at" IS NULL ORDER BY "seq" LIMIT 200 FOR UPDATE SKIP LOCKED`)).toContain('outbox_unpublished');
  });
});
