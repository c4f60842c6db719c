import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { EventEnvelope, SERVICE_SCHEMAS, SUBSCRIPTIONS, eventQueueName, eventsConsumedBy } from '../events';
import { describeError } from '../logging';
import { logQueueErrors } from './queue-errors';
import { producerConnection, whenRedisReady } from './redis-connections';
import { EventTransportOptions, eventJobOptions } from './transport-options';

const PAGE_SIZE = 500;

export interface ReconcileResult {
  /** Published events checked because a subscriber had not handled them yet. */
  checked: number;
  /** Of those, events whose job was gone from Redis and was added again. */
  republished: number;
  /**
   * Of those, events whose job had failed its last attempt while no dead letter could be recorded (PostgreSQL
   * was away when the consumer gave up), retried with fresh attempts.
   */
  revived: number;
}

/**
 * Redis can come back without its data (a failover to a lagging replica, a lost volume, a restart without
 * persistence): every event relayed but not yet consumed is then gone, and the outbox, which marked it
 * published once Redis accepted it, cannot tell. So the producer does not trust Redis: every
 * EVENT_RECONCILE_INTERVAL_MS it takes its events published within EVENT_RECONCILE_WINDOW_HOURS (and at least
 * EVENT_RECONCILE_GRACE_MS ago) that a subscriber has neither handled (its inbox) nor given up on (its dead
 * letters), checks whether their job still exists in the subscriber's queue, and adds the missing ones again
 * under the same job id. An event waiting in a healthy Redis is left alone; a re-added event that was in fact
 * handled meanwhile is a no-op thanks to the inbox.
 *
 * The producer reads, and never writes, each subscriber's inbox and dead-letter tables: the one place where a
 * service looks into another's schema, because only the two together say what was lost. One replica per
 * producer reconciles at a time (a PostgreSQL advisory lock).
 */
export class OutboxReconciler {
  private readonly logger = new Logger(OutboxReconciler.name);
  private readonly queues = new Map<string, Queue>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private lastError: string | undefined;
  /** Events re-added since start, for metrics. */
  republishedTotal = 0;

  private readonly connection: IORedis;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: EventTransportOptions,
  ) {
    this.connection = producerConnection(options.redisUrl);
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      this.inFlight = this.reconcile().catch((error: Error) => {
        const message = describeError(error);
        if (message !== this.lastError) this.logger.warn(`Outbox reconciliation failed (will retry): ${message}`);
        this.lastError = message;
      });
    }, this.options.reconcileIntervalMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.inFlight;
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.connection.disconnect();
  }

  /** One pass over every subscriber of this producer's events. */
  async reconcile(): Promise<ReconcileResult> {
    const result: ReconcileResult = { checked: 0, republished: 0, revived: 0 };
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const lockKey = `outbox-reconciler:${this.options.schema}`;
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS "locked"', [lockKey]);
      if (!locked) return result;
      try {
        await whenRedisReady(this.connection);
        for (const subscriber of subscribers()) {
          const one = await this.reconcileSubscriber(subscriber);
          result.checked += one.checked;
          result.republished += one.republished;
          result.revived += one.revived;
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
    } finally {
      await runner.release();
    }
    this.republishedTotal += result.republished + result.revived;
    if (result.republished > 0) {
      this.logger.warn(
        `Re-published ${result.republished} events whose jobs were missing from Redis (Redis lost data: failover, lost volume or restart without persistence)`,
      );
    }
    if (result.revived > 0) {
      this.logger.warn(`Retried ${result.revived} events whose consumer gave up without recording a dead letter (PostgreSQL was unreachable then)`);
    }
    this.lastError = undefined;
    return result;
  }

  private async reconcileSubscriber(subscriber: string): Promise<ReconcileResult> {
    const result: ReconcileResult = { checked: 0, republished: 0, revived: 0 };
    const schema = this.options.subscriberSchemas?.[subscriber] ?? SERVICE_SCHEMAS[subscriber as keyof typeof SERVICE_SCHEMAS];
    if (!schema) return result;
    const [{ inbox, deadLetters }] = await this.dataSource.query(`SELECT to_regclass($1) AS "inbox", to_regclass($2) AS "deadLetters"`, [
      `"${schema}"."inbox"`,
      `"${schema}"."dead_letter"`,
    ]);
    // A subscriber that has never started has no schema yet; its queue keeps what was relayed meanwhile.
    if (!inbox || !deadLetters) return result;
    const queue = this.queueFor(subscriber);
    let after = '0';
    for (;;) {
      const rows: Array<{ seq: string; envelope: EventEnvelope }> = await this.dataSource.query(
        `SELECT o."seq", o."envelope" FROM "${this.options.schema}"."outbox" o
          WHERE o."published_at" IS NOT NULL
            AND o."published_at" > now() - make_interval(hours => $1)
            AND o."published_at" < now() - make_interval(secs => $2)
            AND o."type" = ANY($3) AND o."seq" > $4
            AND NOT EXISTS (SELECT 1 FROM "${schema}"."inbox" i WHERE i."consumer" = $5 AND i."event_id" = o."id")
            AND NOT EXISTS (SELECT 1 FROM "${schema}"."dead_letter" d WHERE d."consumer" = $5 AND d."event_id" = o."id")
          ORDER BY o."seq" LIMIT $6`,
        [
          // Published rows older than the outbox retention are deleted: nothing to reconcile beyond it.
          Math.min(this.options.reconcileWindowHours ?? 24, this.options.outboxRetentionHours ?? Infinity),
          (this.options.reconcileGraceMs ?? 30_000) / 1000,
          eventsConsumedBy(subscriber),
          after,
          subscriber,
          PAGE_SIZE,
        ],
      );
      if (rows.length === 0) return result;
      result.checked += rows.length;
      // One pipelined round: does the job exist, and when (if ever) did it fail for good (the failed set's score).
      const pipeline = this.connection.pipeline();
      for (const row of rows) pipeline.exists(queue.toKey(row.envelope.id)).zscore(queue.toKey('failed'), row.envelope.id);
      const replies = (await pipeline.exec()) ?? [];
      const reply = (index: number) => {
        const [error, value] = replies[index] ?? [new Error('no reply'), null];
        if (error) throw error;
        return value;
      };
      const missing = rows.filter((_, index) => reply(2 * index) === 0);
      // A consumer that gives up records a dead letter; one that gave up while PostgreSQL was away could not,
      // and its failed job would wait in Redis for nobody. Failed longer than the grace ago: not a dead letter
      // being written right now.
      const failedBefore = Date.now() - (this.options.reconcileGraceMs ?? 30_000);
      const abandoned = rows.filter((_, index) => reply(2 * index) === 1 && reply(2 * index + 1) !== null && Number(reply(2 * index + 1)) < failedBefore);
      for (const row of abandoned) {
        await (await queue.getJob(row.envelope.id))?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      }
      result.revived += abandoned.length;
      if (missing.length > 0) {
        await queue.addBulk(
          missing.map((row) => ({
            name: row.envelope.type,
            data: row.envelope,
            opts: { ...eventJobOptions(this.options), jobId: row.envelope.id },
          })),
        );
        result.republished += missing.length;
      }
      after = rows[rows.length - 1].seq;
      if (rows.length < PAGE_SIZE) return result;
    }
  }

  private queueFor(service: string): Queue {
    let queue = this.queues.get(service);
    if (!queue) {
      queue = new Queue(eventQueueName(service), { connection: this.connection, prefix: this.options.redisPrefix, skipWaitingForReady: true });
      logQueueErrors(queue, this.logger, `Event queue of ${service} (reconciler)`);
      this.queues.set(service, queue);
    }
    return queue;
  }
}

/** Every service that subscribes to some event. */
function subscribers(): string[] {
  return [...new Set(Object.values(SUBSCRIPTIONS).flat())];
}
