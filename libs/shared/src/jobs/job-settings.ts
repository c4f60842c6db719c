import { JobsOptions, WorkerOptions } from 'bullmq';
import { retryingJobOptions } from '../transport/transport-options';
import { JOBS, JobNameValue, QueueNameValue, jobsOf } from './job-types';

/** How one queue is worked: from the owning service's configuration, never hard-coded in a feature. */
export interface JobQueueSettings {
  /** Jobs one process runs at once on this queue. */
  concurrency: number;
  maxAttempts: number;
  /** First retry delay; later ones double, with jitter (our one retry policy, `retryingJobOptions`). */
  backoffMs: number;
  /** At most `max` jobs per `durationMs` across every worker of the queue (a provider's rate limit). */
  rateLimit?: { max: number; durationMs: number };
  /** How long a worker holds a job before another may take it over (a crashed worker's job waits this long). */
  lockDurationMs: number;
  /** How often workers look for jobs whose lock expired. */
  stalledIntervalMs: number;
  /** How many times a job may be found stalled before it fails. */
  maxStalledCount: number;
}

export type JobQueueSettingsMap = Partial<Record<QueueNameValue, JobQueueSettings>>;

/** The lock and stall settings every queue shares unless it says otherwise. */
export interface JobLockEnvironment {
  JOB_LOCK_MS: number;
  JOB_STALLED_INTERVAL_MS: number;
  JOB_MAX_STALLED_COUNT: number;
}

export function queueSettings(
  env: JobLockEnvironment,
  settings: Pick<JobQueueSettings, 'concurrency' | 'maxAttempts' | 'backoffMs'> & Partial<JobQueueSettings>,
): JobQueueSettings {
  return {
    lockDurationMs: env.JOB_LOCK_MS,
    stalledIntervalMs: env.JOB_STALLED_INTERVAL_MS,
    maxStalledCount: env.JOB_MAX_STALLED_COUNT,
    ...settings,
  };
}

export function jobOptionsFor(settings: Pick<JobQueueSettings, 'maxAttempts' | 'backoffMs'>): JobsOptions {
  return retryingJobOptions(settings.maxAttempts, settings.backoffMs);
}

export function workerOptionsFor(settings: JobQueueSettings): Pick<WorkerOptions, 'concurrency' | 'limiter' | 'lockDuration' | 'stalledInterval' | 'maxStalledCount'> {
  return {
    concurrency: settings.concurrency,
    ...(settings.rateLimit ? { limiter: { max: settings.rateLimit.max, duration: settings.rateLimit.durationMs } } : {}),
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
  };
}

export interface FoundHandler {
  name: string;
  /** Class and method, for the message. */
  where: string;
}

/**
 * Why a service's runner must not start: a job declared for it without a handler (its work would wait
 * for ever), a handler for a job it does not own, or two handlers for one job. Empty when all is well.
 */
export function handlerProblems(service: string, found: FoundHandler[], settings: JobQueueSettingsMap): string[] {
  const declared = jobsOf(service);
  const problems: string[] = [];
  const missing = declared.filter((name) => !found.some((handler) => handler.name === name));
  if (missing.length) problems.push(`no @JobHandler for ${missing.join(', ')}`);
  for (const handler of found) {
    if (!declared.includes(handler.name as JobNameValue)) problems.push(`${handler.where} handles ${handler.name}, which is not a job of ${service}`);
  }
  const seen = new Map<string, string>();
  for (const handler of found) {
    const first = seen.get(handler.name);
    if (first) problems.push(`${handler.name} has two handlers: ${first} and ${handler.where}`);
    else seen.set(handler.name, handler.where);
  }
  const unconfigured = [...new Set(declared.map((name) => JOBS[name].queue))].filter((queue) => !settings[queue]);
  if (unconfigured.length) problems.push(`no settings for queue ${unconfigured.join(', ')}`);
  return problems;
}

/** What a sweep does about one job the row says is due, given what Redis holds. */
export type EnsureAction = 'add' | 'retry' | 'replace' | 'none';

/**
 * The row is the truth. No job: add it. A failed job nobody gave up on durably (no open dead letter, e.g.
 * the worker could not record its last failure): a fresh round of attempts. A completed job while the row
 * still says due (Redis restored an old state, or the handler found nothing to do then): replace it; the
 * handler checks the row, so a needless run changes nothing. A dead-lettered job waits for a replay.
 */
export function ensureAction(state: string | undefined, deadLettered: boolean): EnsureAction {
  if (deadLettered) return 'none';
  if (state === undefined || state === 'unknown') return 'add';
  if (state === 'failed') return 'retry';
  if (state === 'completed') return 'replace';
  return 'none';
}
