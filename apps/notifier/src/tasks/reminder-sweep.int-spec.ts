import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { JobRunner, QueueName } from '@app/shared';
import { NotifierHarness, startNotifier } from '../testing/notifier-test-app';
import { OpenTaskRemindersSweep } from './reminders.service';
import { NOTIFIER_SCHEMA } from '../environment';

/**
 * Every open task must have its delayed reminder job, whatever Redis lost, at any number of tasks. The
 * sweep used to take `LIMIT 500` rows with no order or cursor: after a wipe, most tasks never got their
 * job back and further sweeps changed nothing.
 */
describe('the open tasks’ reminder sweep after Redis lost every job', () => {
  const AWAITING_REMINDER = 1500;
  const AWAITING_ESCALATION = 301;
  let notifier: NotifierHarness;
  let queue: Queue;

  beforeAll(async () => {
    // Only the sweeps this test runs: the timer's would race them.
    notifier = await startNotifier('reminder_sweep', { DELIVERY_SWEEP_MS: '3600000', DIRECTORY_SEED_FILE: 'none' });
    queue = new Queue(QueueName.Reminders, { connection: { url: notifier.redis.url }, prefix: notifier.redis.prefix });
  });

  afterAll(async () => {
    await queue?.close();
    await notifier?.close();
  });

  async function insertTasks(count: number, columns: { status: string; remindedAt: boolean }): Promise<string[]> {
    const rows: Array<{ id: string }> = await notifier.dataSource.query(
      `INSERT INTO "${NOTIFIER_SCHEMA}"."task" ("id", "referral_id", "recipient_type", "recipient_id", "reason", "status", "summary", "reminder_due_at", "reminded_at", "escalation_due_at")
       SELECT gen_random_uuid(), gen_random_uuid(), 'organisation', gen_random_uuid(), 'need-match', $2, '{}'::jsonb,
              now() + interval '1 day', CASE WHEN $3 THEN now() END, CASE WHEN $3 THEN now() + interval '2 days' END
       FROM generate_series(1, $1) RETURNING "id"`,
      [count, columns.status, columns.remindedAt],
    );
    return rows.map((row) => row.id);
  }

  async function wipeRedis(): Promise<void> {
    const redis = new IORedis(notifier.redis.url);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${notifier.redis.prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }

  /** Each expected job id mapped to its state, read back with getJob one by one. */
  async function jobStates(jobIds: string[]): Promise<Map<string, string>> {
    const states = new Map<string, string>();
    for (let start = 0; start < jobIds.length; start += 100) {
      await Promise.all(
        jobIds.slice(start, start + 100).map(async (jobId) => {
          const job = await queue.getJob(jobId);
          states.set(jobId, job ? await job.getState() : 'missing');
        }),
      );
    }
    return states;
  }

  it('gives every open task its delayed job in one sweep, and a second sweep adds nothing', async () => {
    const awaitingReminder = await insertTasks(AWAITING_REMINDER, { status: 'open', remindedAt: false });
    const awaitingEscalation = await insertTasks(AWAITING_ESCALATION, { status: 'open', remindedAt: true });
    const decided = await insertTasks(200, { status: 'accepted', remindedAt: false });
    const runner = notifier.app.get(JobRunner);
    const sweep = notifier.app.get(OpenTaskRemindersSweep);
    expect(await runner.sweep(sweep)).toBe(AWAITING_REMINDER + AWAITING_ESCALATION);

    await wipeRedis();
    expect(await queue.getDelayedCount()).toBe(0);

    expect(await runner.sweep(sweep)).toBe(AWAITING_REMINDER + AWAITING_ESCALATION);
    const expected = [...awaitingReminder.map((id) => `reminder.${id}`), ...awaitingEscalation.map((id) => `escalation.${id}`)];
    const states = await jobStates(expected);
    expect([...states.values()].filter((state) => state !== 'delayed')).toEqual([]);
    expect(await queue.getDelayedCount()).toBe(expected.length);
    const strays = await jobStates(decided.flatMap((id) => [`reminder.${id}`, `escalation.${id}`]));
    expect(new Set(strays.values())).toEqual(new Set(['missing']));

    expect(await runner.sweep(sweep)).toBe(0);
    expect(await queue.getDelayedCount()).toBe(expected.length);
  }, 180_000);
});
