import { JobsOptions } from 'bullmq';

export interface EventTransportOptions {
  /** The service name, as in the topology: names its queue and its inbox rows. */
  service: string;
  /** The Postgres schema holding this service's outbox, inbox and dead letters. */
  schema: string;
  redisUrl: string;
  /** Hash-tagged key prefix, e.g. {referrals}. */
  redisPrefix: string;
  maxAttempts: number;
  backoffMs: number;
  outboxPollMs: number;
  /** Jobs this service's consumer runs at once. */
  concurrency?: number;
}

export const EVENT_TRANSPORT_OPTIONS = Symbol('EVENT_TRANSPORT_OPTIONS');

/**
 * Our one retry policy for queue work: exponential backoff with jitter (so retries after an outage do not
 * arrive in lockstep); finished jobs kept a day for inspection, failed ones two weeks.
 */
export function retryingJobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 14 * 24 * 3600 },
  };
}

export function eventJobOptions(options: Pick<EventTransportOptions, 'maxAttempts' | 'backoffMs'>): JobsOptions {
  return retryingJobOptions(options.maxAttempts, options.backoffMs);
}
