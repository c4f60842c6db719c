import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { EventEnvelope, eventQueueName } from '../events';
import { Sealer } from '../crypto/sealing';
import { describeError } from '../logging/error-serializer';
import { producerConnection, whenRedisReady } from './redis-connections';
import { EventTransportOptions, eventJobOptions } from './transport-options';

export interface DeadLetter {
  id: string;
  consumer: string;
  eventId: string;
  eventType: string;
  error: string;
  attempts: number;
  failedAt: Date;
  replayedAt: Date | null;
}

/**
 * Events a consumer gave up on: kept in Postgres so they outlive Redis, listable and replayable. The whole
 * envelope is sealed (free text such as a decline reason can name a person), bound to its consumer and event.
 */
export class DeadLetterStore {
  private readonly sealer: Sealer;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: EventTransportOptions,
  ) {
    this.sealer = new Sealer(options.sealingKey);
  }

  private associatedData(eventId: string): string {
    return `dead-letter:${this.options.service}:${eventId}`;
  }

  async record(envelope: EventEnvelope, error: Error, attempts: number): Promise<void> {
    const sealed = this.sealer.sealJson(envelope, this.associatedData(envelope.id));
    await this.dataSource.query(
      `INSERT INTO "${this.options.schema}"."dead_letter" ("consumer", "event_id", "event_type", "envelope", "error", "attempts") VALUES ($1, $2, $3, $4, $5, $6)`,
      [this.options.service, envelope.id, envelope.type, JSON.stringify(sealed), describeError(error).slice(0, 2000), attempts],
    );
  }

  /** Events given up on and not replayed. */
  async openCount(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS "count" FROM "${this.options.schema}"."dead_letter" WHERE "replayed_at" IS NULL`);
    return row.count;
  }

  async list(options: { includeReplayed?: boolean } = {}): Promise<DeadLetter[]> {
    const rows = await this.dataSource.query(
      `SELECT "id", "consumer", "event_id", "event_type", "error", "attempts", "failed_at", "replayed_at" FROM "${this.options.schema}"."dead_letter"
       WHERE "consumer" = $1 ${options.includeReplayed ? '' : 'AND "replayed_at" IS NULL'} ORDER BY "failed_at"`,
      [this.options.service],
    );
    return rows.map((row: Record<string, unknown>) => ({
      id: row.id,
      consumer: row.consumer,
      eventId: row.event_id,
      eventType: row.event_type,
      error: row.error,
      attempts: row.attempts,
      failedAt: row.failed_at,
      replayedAt: row.replayed_at,
    }));
  }

  /**
   * Puts a dead event back on this service's queue under a fresh job id (the failed job keeps the event
   * id). The inbox still guarantees it takes effect at most once.
   */
  async replay(deadLetterId: string): Promise<EventEnvelope> {
    const [row] = await this.dataSource.query(
      `SELECT "event_id", "envelope" FROM "${this.options.schema}"."dead_letter" WHERE "id" = $1 AND "consumer" = $2 AND "replayed_at" IS NULL`,
      [deadLetterId, this.options.service],
    );
    if (!row) throw new Error(`No open dead letter ${deadLetterId} for ${this.options.service}`);
    // Letters written before envelopes were sealed are objects; sealed ones are strings.
    const envelope = Sealer.isSealed(row.envelope) ? this.sealer.openJson<EventEnvelope>(row.envelope, this.associatedData(row.event_id)) : (row.envelope as EventEnvelope);
    const connection = producerConnection(this.options.redisUrl);
    const queue = new Queue(eventQueueName(this.options.service), { connection, prefix: this.options.redisPrefix });
    try {
      await whenRedisReady(connection);
      await queue.add(envelope.type, envelope, { ...eventJobOptions(this.options), jobId: `${envelope.id}.replay.${Date.now()}` });
    } finally {
      await queue.close();
      connection.disconnect();
    }
    await this.dataSource.query(`UPDATE "${this.options.schema}"."dead_letter" SET "replayed_at" = now() WHERE "id" = $1`, [deadLetterId]);
    return envelope;
  }
}
