import { randomUUID } from 'node:crypto';
import { JobName } from './job-types';
import { PlannedJob, planJob } from './job-queues';
import { sweepAll } from './sweeper';

/** Rows as Postgres would return them for `WHERE id > $after ORDER BY id LIMIT $limit`. */
function tableOf(count: number) {
  const rows = Array.from({ length: count }, () => ({ id: randomUUID() })).sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    rows,
    name: 'test rows',
    async candidates(after: string | null, limit: number) {
      return rows.filter((row) => after === null || row.id > after).slice(0, limit);
    },
    jobsFor(row: { id: string }): PlannedJob[] {
      return [planJob(JobName.TaskReminder, { taskId: row.id })];
    },
  };
}

describe('sweepAll', () => {
  it('reaches every row however many there are, each exactly once', async () => {
    for (const count of [0, 1, 499, 500, 501, 2875]) {
      const table = tableOf(count);
      const seen: string[] = [];
      const result = await sweepAll(table, 500, async (jobs) => {
        seen.push(...jobs.map((job) => (job.payload as { taskId: string }).taskId));
        return jobs.length;
      });
      expect(seen).toEqual(table.rows.map((row) => row.id));
      expect(result).toEqual({ rows: count, changed: count, pages: Math.floor(count / 500) + 1 });
    }
  });

  it('counts only what ensure changed', async () => {
    const table = tableOf(1200);
    const result = await sweepAll(table, 500, async (jobs) => jobs.filter((_, index) => index % 2 === 0).length);
    expect(result.changed).toBe(600);
  });

  it('refuses a source whose pages do not move past the cursor (not ordered by id)', async () => {
    const stuck = { name: 'unordered rows', candidates: async () => [{ id: 'b' }, { id: 'a' }], jobsFor: () => [] };
    await expect(sweepAll(stuck, 2, async () => 0)).rejects.toThrow('unordered rows did not advance past a');
  });
});
