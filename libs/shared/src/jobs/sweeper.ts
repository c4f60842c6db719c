import { PlannedJob } from './job-queues';

/**
 * "The row is the truth, the job carries its id, a sweeper re-adds what Redis lost", written once. A
 * feature describes which rows should have a job; the runner pages through all of them with a keyset
 * cursor, so it reaches every row at any number of rows, and makes sure each has its job.
 */
export interface SweepSource<Row extends { id: string } = { id: string }> {
  /** For logs: what is swept, e.g. "open tasks' reminders". */
  readonly name: string;
  /** How often the sweep runs. */
  readonly everyMs: number;
  /** Rows that should have a job, with `id` greater than `after` (all rows when null), ordered by `id`, at most `limit`. */
  candidates(after: string | null, limit: number): Promise<Row[]>;
  /** The job(s) a candidate row needs. */
  jobsFor(row: Row): PlannedJob[];
}

export interface SweepResult {
  rows: number;
  pages: number;
  changed: number;
}

/**
 * Pages through every candidate row (keyset on id: no OFFSET, no row skipped or seen twice however many
 * there are) and hands each page's jobs to `ensure`, which returns how many it had to add or revive.
 */
export async function sweepAll<Row extends { id: string }>(
  source: Pick<SweepSource<Row>, 'candidates' | 'jobsFor' | 'name'>,
  pageSize: number,
  ensure: (jobs: PlannedJob[]) => Promise<number>,
): Promise<SweepResult> {
  const result: SweepResult = { rows: 0, pages: 0, changed: 0 };
  let after: string | null = null;
  for (;;) {
    const rows = await source.candidates(after, pageSize);
    result.pages += 1;
    result.rows += rows.length;
    if (rows.length > 0) result.changed += await ensure(rows.flatMap((row) => source.jobsFor(row)));
    if (rows.length < pageSize) return result;
    const next = rows[rows.length - 1].id;
    if (next === after) throw new Error(`Sweep of ${source.name} did not advance past ${after}: its candidates must be ordered by id`);
    after = next;
  }
}
