import { SetMetadata } from '@nestjs/common';
import { JobNameValue, JobPayloads } from './job-types';

export const JOB_HANDLER = Symbol('job-handler');
export const JOB_SWEEPER = Symbol('job-sweeper');

/** What a handler knows about the attempt in hand, so it can record a final failure in its row. */
export interface JobContext {
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** A failure now is final: the runner dead-letters the job. */
  lastAttempt: boolean;
  /** What an earlier attempt of this job saved with saveCheckpoint, if anything. */
  checkpoint: Record<string, unknown> | undefined;
  /**
   * Saves what must survive this attempt's failure, e.g. that a provider accepted a message, so the retry
   * does not do it again. Kept with the job in Redis (its progress), so it holds while Postgres is away.
   */
  saveCheckpoint(checkpoint: Record<string, unknown>): Promise<void>;
}

type Handler<N extends JobNameValue> = (payload: JobPayloads[N], context: JobContext) => Promise<unknown>;

/**
 * Marks a provider method as the handler of one job; the runner of the job's service finds it at boot and
 * refuses to start while a job of that service has none. The handler throws to fail an attempt (the
 * runner retries, then dead-letters), and never swallows an error.
 */
export function JobHandler<N extends JobNameValue>(name: N) {
  return <M extends Handler<N>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    SetMetadata(JOB_HANDLER, name)(target, key, descriptor);
  };
}

/** Marks a provider implementing SweepSource: the runner runs its sweep every `everyMs`. */
export const JobSweeper = (): ClassDecorator => SetMetadata(JOB_SWEEPER, true);
