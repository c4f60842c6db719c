import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { EventEnvelope, eventQueueName, subscribersOf } from '../events';
import { producerConnection, whenRedisReady } from './redis-connections';
import { EventTransportOptions, eventJobOptions } from './transport-options';

const BATCH_SIZE = 200;
const MAX_IDLE_BACKOFF_MS = 5000;

interface OutboxRow {
  id: string;
  envelope: EventEnvelope;
}

/**
 * Moves committed outbox rows onto each subscriber's queue, in commit order. A row is marked published
 * only after Redis accepted it, so an outage of Redis leaves rows waiting; the job id is the event id, so
 * a row relayed twice (crash between add and mark) is still one job.
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

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: EventTransportOptions,
  ) {
    this.connection = producerConnection(options.redisUrl);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
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

  async relayBatch(): Promise<number> {
    const schema = this.options.schema;
    await whenRedisReady(this.connection);
    return this.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT "id", "envelope" FROM "${schema}"."outbox" WHERE "published_at" IS NULL ORDER BY "seq" LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [BATCH_SIZE],
      );
      if (rows.length === 0) return 0;
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
      await manager.query(
        `UPDATE "${schema}"."outbox" SET "published_at" = now(), "publish_attempts" = "publish_attempts" + 1, "last_error" = NULL WHERE "id" = ANY($1)`,
        [rows.map((row) => row.id)],
      );
      return rows.length;
    });
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS "count" FROM "${this.options.schema}"."outbox" WHERE "published_at" IS NULL`);
    return row.count;
  }

  private queueFor(service: string): Queue {
    let queue = this.queues.get(service);
    if (!queue) {
      queue = new Queue(eventQueueName(service), { connection: this.connection, prefix: this.options.redisPrefix, skipWaitingForReady: true });
      queue.on('error', () => undefined);
      this.queues.set(service, queue);
    }
    return queue;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    try {
      const relayed = await this.relayBatch();
      if (this.failures > 0) this.logger.log(`Outbox relay recovered after ${this.failures} failed attempts`);
      this.failures = 0;
      this.schedule(relayed === BATCH_SIZE ? 0 : this.options.outboxPollMs);
    } catch (error) {
      this.failures += 1;
      if (this.failures === 1 || this.failures % 50 === 0) {
        this.logger.warn(`Outbox relay cannot publish yet (events wait in Postgres): ${(error as Error).message}`);
      }
      const backoff = Math.min(MAX_IDLE_BACKOFF_MS, this.options.outboxPollMs * 2 ** Math.min(this.failures, 10));
      this.schedule(backoff);
    }
  }
}
