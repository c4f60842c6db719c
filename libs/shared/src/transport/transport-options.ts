import { JobsOptions, UnrecoverableError } from 'bullmq';
import { isDatabaseUnavailable } from '../database/connectivity';

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
  /**
   * Jobs this service's consumer takes from its queue at once (EVENT_CONCURRENCY): those handed in while its
   * transactions run are handled together in the next one (group commit, see BullMqEventServer), so this also
   * bounds a group.
   */
  concurrency?: number;
  /**
   * When set, each event is handled with its referral locked in this lock space (see lockReferral) from the
   * inbox claim to the commit, the claim and the lock being one statement. The handler's statements then
   * see every event of the referral this service handled before, without a lock statement of their own.
   */
  referralLockSpace?: number;
  /** OUTBOX_RETENTION_HOURS: published outbox rows older than this are deleted. */
  outboxRetentionHours: number;
  /** EVENT_SEALING_KEY: seals the person in referral.received and every dead-lettered envelope. */
  sealingKey: string;
  /**
   * How long a consumer's claim on a job lasts (renewed at half this while it runs), and how often consumers
   * look for jobs whose claim expired because their process died. A killed consumer's events resume after at
   * most about lockMs + stalledIntervalMs. BullMQ's defaults (30 s and 30 s) made that 30-60 s and more.
   */
  lockMs?: number;
  stalledIntervalMs?: number;
  /** SHUTDOWN_GRACE_MS: how long in-flight events may take to finish at shutdown before they are abandoned. */
  shutdownGraceMs?: number;
  /** See OutboxReconciler. */
  reconcileIntervalMs?: number;
  reconcileGraceMs?: number;
  reconcileWindowHours?: number;
  /** Schema of each subscribing service, when not the deployed one (SERVICE_SCHEMAS). */
  subscriberSchemas?: Record<string, string>;
}

/** EVENT_CONCURRENCY's default, for transports built without an environment (tests, tools). */
export const DEFAULT_EVENT_CONCURRENCY = 16;

export const EVENT_TRANSPORT_OPTIONS = Symbol('EVENT_TRANSPORT_OPTIONS');

/** SHUTDOWN_GRACE_MS's default, for transports and runners built without an environment (tests, tools). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 20_000;

/** How long Redis keeps a finished job: long enough to dedupe a relay retried after a crash, no longer. */
export const COMPLETED_JOB_RETENTION_SECONDS = 3600;
/** How long Redis keeps a job that gave up: its dead letter in PostgreSQL is the record that lasts. */
export const FAILED_JOB_RETENTION_SECONDS = 24 * 3600;

/**
 * Our one retry policy for queue work: exponential backoff with jitter (so retries after an outage do not
 * arrive in lockstep). Redis is transport, not storage: finished jobs go after an hour, failed ones after a
 * day (PostgreSQL keeps the dead letter), so queued data does not linger.
 */
export function retryingJobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs, jitter: 0.5 },
    removeOnComplete: { age: COMPLETED_JOB_RETENTION_SECONDS, count: 10_000 },
    removeOnFail: { age: FAILED_JOB_RETENTION_SECONDS },
  };
}

export function eventJobOptions(options: Pick<EventTransportOptions, 'maxAttempts' | 'backoffMs'>): JobsOptions {
  return retryingJobOptions(options.maxAttempts, options.backoffMs);
}

/**
 * What a failed attempt of queue work (an event or a job) leads to:
 * - `retry`: attempts are left and the handler did not give up (UnrecoverableError);
 * - `dead-letter`: the last attempt, or the handler gave up; recorded in PostgreSQL for an operator's replay;
 * - `leave-failed`: the last attempt failed because PostgreSQL was unreachable. That is not the work's fault, so
 *   no dead letter, even when PostgreSQL is back in time to record one (it would hold the work until a replay).
 *   The job stays failed, and the work's reconciliation runs it again once PostgreSQL answers: the producer's
 *   OutboxReconciler for an event, the sweeper for a job (ensureAction), each a failed job without a dead letter.
 */
export function afterFailedAttempt(error: unknown, attempt: number, maxAttempts: number): 'retry' | 'dead-letter' | 'leave-failed' {
  if (!(error instanceof UnrecoverableError) && attempt < maxAttempts) return 'retry';
  return isDatabaseUnavailable(error) ? 'leave-failed' : 'dead-letter';
}
