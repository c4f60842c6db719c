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

export function eventJobOptions(options: Pick<EventTransportOptions, 'maxAttempts' | 'backoffMs'>): JobsOptions {
  return {
    attempts: options.maxAttempts,
    backoff: { type: 'exponential', delay: options.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 14 * 24 * 3600 },
  };
}
