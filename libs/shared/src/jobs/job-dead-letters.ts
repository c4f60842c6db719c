import { DataSource } from 'typeorm';
import { describeError } from '../logging/error-serializer';
import { DeadLetterKind, JOB_QUEUES, JobNameValue, QueueNameValue } from './job-types';

export interface JobDeadLetter {
  /** The job id (e.g. the notification id): what operators replay by. */
  id: string;
  queue: QueueNameValue;
  kind: DeadLetterKind;
  jobName: JobNameValue;
  payload: Record<string, unknown>;
  error: string;
  attempts: number;
  failedAt: Date;
}

/** Jobs a service's runner gave up on, in its own schema (table `job_dead_letter`). */
export class JobDeadLetterStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  /** Idempotent: a job already dead-lettered and not replayed keeps its first record. */
  async record(letter: { queue: string; jobName: string; jobId: string; payload: unknown; error: unknown; attempts: number }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "${this.schema}"."job_dead_letter" ("queue", "job_name", "job_id", "payload", "error", "attempts") VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("queue", "job_id") WHERE "replayed_at" IS NULL DO NOTHING`,
      [letter.queue, letter.jobName, letter.jobId, JSON.stringify(letter.payload), describeError(letter.error).slice(0, 2000), letter.attempts],
    );
  }

  async listOpen(queues: readonly string[] = Object.keys(JOB_QUEUES)): Promise<JobDeadLetter[]> {
    const rows = await this.dataSource.query(
      `SELECT "queue", "job_name", "job_id", "payload", "error", "attempts", "failed_at" FROM "${this.schema}"."job_dead_letter"
       WHERE "replayed_at" IS NULL AND "queue" = ANY($1) ORDER BY "failed_at", "id"`,
      [queues],
    );
    return rows.map((row: Record<string, any>) => ({
      id: row.job_id,
      queue: row.queue,
      kind: JOB_QUEUES[row.queue as QueueNameValue]?.deadLetterKind,
      jobName: row.job_name,
      payload: row.payload,
      error: row.error,
      attempts: row.attempts,
      failedAt: row.failed_at,
    }));
  }

  /** Which of these job ids have an open dead letter: a sweep leaves those alone until replayed. */
  async openAmong(queue: string, jobIds: string[]): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const rows: Array<{ job_id: string }> = await this.dataSource.query(
      `SELECT "job_id" FROM "${this.schema}"."job_dead_letter" WHERE "queue" = $1 AND "job_id" = ANY($2) AND "replayed_at" IS NULL`,
      [queue, jobIds],
    );
    return new Set(rows.map((row) => row.job_id));
  }
}
