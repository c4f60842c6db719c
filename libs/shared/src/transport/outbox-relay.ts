import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client, ClientConfig } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { EventEnvelope, eventQueueName, subscribersOf } from '../events';
import { logQueueErrors } from './queue-errors';
import { producerConnection, whenRedisReady } from './redis-connections';
import { EventTransportOptions, eventJobOptions } from './transport-options';
import { describeError } from '../logging/error-serializer';
import { preparedQuery } from '../database/prepared-query';

const BATCH_SIZE = 200;
const MAX_IDLE_BACKOFF_MS = 5000;
/** How long the relay waits before listening again after its listening connection was lost (it polls meanwhile). */
const LISTEN_RETRY_MS = 5000;

/** The channel a schema's outbox inserts notify on commit (EventPublisher), which wakes that schema's relay. */
export function outboxChannel(schema: string): string {
  return `${schema}_outbox`;
}

interface OutboxRow {
  id: string;
  envelope: EventEnvelope;
}

/**
 * Moves committed outbox rows onto each subscriber's queue, in commit order. A row is marked published
 * only after Redis accepted it, so an outage of Redis leaves rows waiting; the job id is the event id, so
 * a row relayed twice (crash between add and mark) is still one job.
 *
 * The relay is woken on commit: it LISTENs on its own connection for the outbox channel, so an event is
 * relayed as soon as its transaction commits, not at the next poll. Notifications arriving while a batch
 * is being relayed make one more batch right after it (under load, batches grow instead of multiplying).
 * The poll every OUTBOX_POLL_MS stays as the fallback for a lost notification or listening connection.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly connection: IORedis;
  private readonly queues = new Map<string, Queue>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private inFlight: Promise<unknown> = Promise.resolve();
  private failures = 0;
  private ticking = false;
  private wakeRequested = false;
  private listener: Client | undefined;
  private listenRetry: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: EventTransportOptions,
  ) {
    this.connection = producerConnection(options.redisUrl);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.listen();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.listenRetry) clearTimeout(this.listenRetry);
    this.unlisten();
    await this.inFlight;
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.connection.disconnect();
  }

  /** Relays until the outbox is empty. Returns how many events were relayed. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const relayed = await this.relayBatch();
      total += relayed;
      if (relayed < BATCH_SIZE) return total;
    }
  }

  /**
   * Takes the oldest waiting rows and marks them published in one statement, adds their jobs, and commits:
   * the marks become visible only once Redis accepted the jobs, and a failure in between rolls them back.
   */
  async relayBatch(): Promise<number> {
    const schema = this.options.schema;
    await whenRedisReady(this.connection);
    return this.dataSource.transaction(async (manager) => {
      const taken = await preparedQuery<OutboxRow & { seq: string }>(
        manager,
        `outbox_take_${schema}`,
        `UPDATE "${schema}"."outbox" SET "published_at" = now(), "publish_attempts" = "publish_attempts" + 1, "last_error" = NULL
         WHERE "id" IN (SELECT "id" FROM "${schema}"."outbox" WHERE "published_at" IS NULL ORDER BY "seq" LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING "id", "seq", "envelope"`,
        [BATCH_SIZE],
      );
      if (taken.length === 0) return 0;
      // RETURNING follows no order: the queues get each subscriber's events in commit order.
      const rows = taken.sort((a, b) => Number(a.seq) - Number(b.seq));
      const jobOptions = eventJobOptions(this.options);
      const bySubscriber = new Map<string, OutboxRow[]>();
      for (const row of rows) {
        for (const subscriber of subscribersOf(row.envelope.type)) {
          bySubscriber.set(subscriber, [...(bySubscriber.get(subscriber) ?? []), row]);
        }
      }
      for (const [subscriber, subscriberRows] of bySubscriber) {
        await this.queueFor(subscriber).addBulk(
          subscriberRows.map((row) => ({
            name: row.envelope.type,
            data: row.envelope,
            opts: { ...jobOptions, jobId: row.envelope.id },
          })),
        );
      }
      return rows.length;
    });
  }

  /**
   * Published rows are deleted once older than the retention period: the queue and the consumers' inboxes
   * have them, and an outbox is transport, not an archive of what every referral said. Rows not yet
   * published are never deleted, however old. Run by each service's scheduled purge job (OutboxHousekeeping).
   */
  async purgePublished(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.options.outboxRetentionHours * 3600_000);
    // TypeORM answers a DELETE with [rows, affected].
    const [, deleted] = await this.dataSource.query(`DELETE FROM "${this.options.schema}"."outbox" WHERE "published_at" IS NOT NULL AND "published_at" < $1`, [cutoff]);
    return Number(deleted);
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS "count" FROM "${this.options.schema}"."outbox" WHERE "published_at" IS NULL`);
    return row.count;
  }

  /** Age in seconds of the oldest event not yet relayed (0 when none waits). */
  async lagSeconds(): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT COALESCE(EXTRACT(EPOCH FROM now() - min("created_at")), 0)::float AS "age" FROM "${this.options.schema}"."outbox" WHERE "published_at" IS NULL`,
    );
    return row.age;
  }

  private queueFor(service: string): Queue {
    let queue = this.queues.get(service);
    if (!queue) {
      queue = new Queue(eventQueueName(service), { connection: this.connection, prefix: this.options.redisPrefix, skipWaitingForReady: true });
      logQueueErrors(queue, this.logger, `Event queue of ${service}`);
      this.queues.set(service, queue);
    }
    return queue;
  }


  private async listen(): Promise<void> {
    if (!this.running) return;
    // A connection of its own, outside the pool: a pooled one held for ever would hold up the pool's end
    // at shutdown, and the pool's size is for queries.
    const client = new Client((this.dataSource.driver as PostgresDriver).master.options as ClientConfig);
    client.on('notification', () => this.wake());
    // Errors while connecting surface below; this is the connection lost later.
    client.on('error', (error) => {
      if (this.listener !== client) return;
      this.unlisten();
      this.listenAgainLater(error);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${outboxChannel(this.options.schema)}"`);
    } catch (error) {
      void client.end().catch(() => undefined);
      this.listenAgainLater(error);
      return;
    }
    if (!this.running) {
      void client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    // Whatever committed while nobody listened.
    this.wake();
  }

  private unlisten(): void {
    const listener = this.listener;
    this.listener = undefined;
    void listener?.end().catch(() => undefined);
  }

  private listenAgainLater(error: unknown): void {
    if (!this.running) return;
    this.logger.warn(`Outbox relay cannot listen for commits (polling every ${this.options.outboxPollMs} ms meanwhile): ${describeError(error)}`);
    this.listenRetry = setTimeout(() => void this.listen(), LISTEN_RETRY_MS);
  }

  private wake(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.wakeRequested = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    this.wakeRequested = false;
    try {
      const relayed = await this.relayBatch();
      if (this.failures > 0) this.logger.log(`Outbox relay recovered after ${this.failures} failed attempts`);
      this.failures = 0;
      this.schedule(relayed === BATCH_SIZE || this.wakeRequested ? 0 : this.options.outboxPollMs);
    } catch (error) {
      this.failures += 1;
      if (this.failures === 1 || this.failures % 50 === 0) {
        this.logger.warn(`Outbox relay cannot publish yet (events wait in Postgres): ${describeError(error)}`);
      }
      const backoff = Math.min(MAX_IDLE_BACKOFF_MS, this.options.outboxPollMs * 2 ** Math.min(this.failures, 10));
      this.schedule(backoff);
    } finally {
      this.ticking = false;
    }
  }
}
