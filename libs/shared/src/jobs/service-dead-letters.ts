import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { describeError } from '../logging/error-serializer';
import { DeadLetterStore } from '../transport/dead-letters';
import { JobDeadLetterStore } from './job-dead-letters';
import { JobQueues, PlannedJob } from './job-queues';
import { JobReplays } from './job-runner-options';
import { DeadLetterKind, JOB_QUEUES, JobNameValue } from './job-types';

/** One dead letter, whatever gave up: an event consumer or a job. */
export interface DeadLetterEntry {
  /** What to replay by: the dead letter's id for an event, the job id (the row's id) for a job. */
  id: string;
  service: string;
  kind: DeadLetterKind;
  /** The event type or the job name. */
  name: string;
  /** The event, or the job's payload (row ids only). */
  subject: Record<string, unknown>;
  error: string;
  attempts: number;
  failedAt: Date;
}

export interface ServiceDeadLettersOptions {
  service: string;
  schema: string;
  dataSource: DataSource;
  /** The event consumer's dead letters; absent for a service that consumes no events. */
  events?: DeadLetterStore;
  /** The job queues; absent for a service that owns none. */
  jobs?: { queues: JobQueues; replays: JobReplays };
}

/**
 * Dead letters of one service: listed alike, and replayed alike (the row back to its working state and
 * the dead letter closed in one transaction, then a fresh round of attempts). Used by the operator CLI
 * (`npm run dead-letters`) and the notifier's admin endpoints.
 */
export class ServiceDeadLetters {
  private readonly logger = new Logger(ServiceDeadLetters.name);

  constructor(private readonly options: ServiceDeadLettersOptions) {}

  get service(): string {
    return this.options.service;
  }

  async list(kinds?: readonly DeadLetterKind[]): Promise<DeadLetterEntry[]> {
    const wanted = (kind: DeadLetterKind) => !kinds || kinds.includes(kind);
    const entries: DeadLetterEntry[] = [];
    if (this.options.events && wanted('events')) {
      for (const letter of await this.options.events.list()) {
        entries.push({
          id: letter.id,
          service: this.service,
          kind: 'events',
          name: letter.eventType,
          subject: { eventId: letter.eventId },
          error: letter.error,
          attempts: letter.attempts,
          failedAt: new Date(letter.failedAt),
        });
      }
    }
    if (this.options.jobs) {
      const queues = Object.values(JOB_QUEUES).filter((queue) => queue.service === this.service && wanted(queue.deadLetterKind));
      if (queues.length > 0) {
        for (const letter of await this.jobStore().listOpen(queues.map((queue) => queue.name))) {
          entries.push({
            id: letter.id,
            service: this.service,
            kind: letter.kind,
            name: letter.jobName,
            subject: letter.payload,
            error: letter.error,
            attempts: letter.attempts,
            failedAt: new Date(letter.failedAt),
          });
        }
      }
    }
    return entries.sort((a, b) => a.failedAt.getTime() - b.failedAt.getTime());
  }

  /** Replays an open dead letter of one of these kinds; undefined when there is none with this id. */
  async replay(id: string, kinds?: readonly DeadLetterKind[]): Promise<DeadLetterEntry | undefined> {
    const entry = (await this.list(kinds)).find((candidate) => candidate.id === id);
    if (!entry) return undefined;
    if (entry.kind === 'events') {
      await this.options.events!.replay(id);
      return entry;
    }
    const queue = Object.values(JOB_QUEUES).find((candidate) => candidate.service === this.service && candidate.deadLetterKind === entry.kind);
    const job = { name: entry.name as JobNameValue, payload: entry.subject } as unknown as PlannedJob;
    const reopened = await this.options.dataSource.transaction(async (manager) => {
      const closed = await manager.query(
        `UPDATE "${this.options.schema}"."job_dead_letter" SET "replayed_at" = now() WHERE "job_id" = $1 AND "job_name" = $2 AND "replayed_at" IS NULL RETURNING "id"`,
        [id, entry.name],
      );
      if (closed[0].length === 0) return false;
      const reopen = this.options.jobs!.replays[job.name] as ((m: typeof manager, payload: unknown) => Promise<void>) | undefined;
      await reopen?.(manager, job.payload);
      return true;
    });
    if (!reopened || !queue) return undefined;
    // The row is due again and no dead letter holds it back: if Redis refuses now, the sweeper adds the job.
    await this.options.jobs!.queues.ensureQueued([job]).catch((error: Error) =>
      this.logger.warn(`Replayed ${entry.name} ${id}; its job waits for the sweeper: ${describeError(error)}`),
    );
    return entry;
  }

  private jobStore(): JobDeadLetterStore {
    return new JobDeadLetterStore(this.options.dataSource, this.options.schema);
  }
}
