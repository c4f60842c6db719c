import { EntityManager } from 'typeorm';
import { JobQueueSettingsMap } from './job-settings';
import { JobNameValue, JobPayloads } from './job-types';

/**
 * Before a dead-lettered job runs again, puts its row back in the state its handler works on (e.g. a
 * failed notification back to pending), in the transaction that closes the dead letter.
 */
export type JobReplays = { [N in JobNameValue]?: (manager: EntityManager, payload: JobPayloads[N]) => Promise<void> };

/** A service's job configuration, built from its environment. */
export interface ServiceJobs {
  settings: JobQueueSettingsMap;
  replays?: JobReplays;
  /**
   * Jobs that run every so many milliseconds, on one replica at a time (a BullMQ job scheduler per job,
   * kept in place by the runner), with the same retries and dead letters as any other job.
   */
  schedules?: { [N in JobNameValue]?: number };
}

export interface JobRunnerOptions extends ServiceJobs {
  service: string;
  schema: string;
  redisUrl: string;
  redisPrefix: string;
  /** SHUTDOWN_GRACE_MS: how long in-flight jobs may take to finish at shutdown before they are abandoned. */
  shutdownGraceMs?: number;
  /** Rows per sweep page. */
  sweepPageSize?: number;
}

export const JOB_RUNNER_OPTIONS = Symbol('JOB_RUNNER_OPTIONS');
