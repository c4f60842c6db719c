import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';
import { EventEnvelope, eventQueueName } from '../events';
import { runWithCorrelation } from '../logging/correlation';
import { DeadLetterStore } from './dead-letters';
import { EventContext } from './event-context';
import { referralLockCall } from './referral-lock';
import { workerConnection } from './redis-connections';
import { DEFAULT_SHUTDOWN_GRACE_MS, EventTransportOptions } from './transport-options';
import { closeWorkerWithin } from './worker-shutdown';
import { describeError } from '../logging/error-serializer';

export const EVENT_TRANSPORT_ID = Symbol('bullmq-events');

/**
 * A Nest microservice transport on BullMQ. Each service consumes its own queue; each event runs in one
 * Postgres transaction that first claims (consumer, event id) in the inbox, so a redelivered event
 * changes nothing (and, with a referralLockSpace, locks the event's referral in the same statement). Errors are rethrown for BullMQ's retries; the last failure is dead-lettered.
 */
export class BullMqEventServer extends Server implements CustomTransportStrategy {
  readonly transportId = EVENT_TRANSPORT_ID;
  private worker: Worker | undefined;
  private connection: IORedis | undefined;
  private readonly deadLetters: DeadLetterStore;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: EventTransportOptions,
  ) {
    super();
    this.deadLetters = new DeadLetterStore(dataSource, options);
  }

  listen(callback: (...optionalParams: unknown[]) => void): void {
    this.connection = workerConnection(this.options.redisUrl);
    this.worker = new Worker(eventQueueName(this.options.service), (job: Job<EventEnvelope>) => this.process(job), {
      connection: this.connection,
      prefix: this.options.redisPrefix,
      concurrency: this.options.concurrency ?? 4,
      lockDuration: this.options.lockMs ?? 10_000,
      stalledInterval: this.options.stalledIntervalMs ?? 5_000,
      // A job whose consumer died more than this many times fails without reaching our handler's dead-letter
      // path; several crashes in a row are more likely a deployment than a poison event.
      maxStalledCount: 5,
    });
    this.worker.on('error', (error) => this.logger.warn?.(`Event worker: ${describeError(error)}`));
    callback();
  }

  /** Lets in-flight events finish (for at most the shutdown grace), then releases Redis. */
  async close(): Promise<void> {
    const graceMs = this.options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    if (this.worker && (await closeWorkerWithin(this.worker, graceMs)) === 'abandoned') {
      this.logger.warn?.(`Events still running ${graceMs} ms into shutdown were abandoned; they run again when their claim expires`);
    }
    this.connection?.disconnect();
  }

  on(): void {
    throw new Error('BullMqEventServer does not expose transport events');
  }

  unwrap<T>(): T {
    return this.worker as T;
  }

  async process(job: Job<EventEnvelope>): Promise<void> {
    const envelope = job.data;
    return runWithCorrelation({ correlationId: envelope.correlationId, eventId: envelope.id, jobId: job.id }, async () => {
      try {
        await this.handle(job, envelope);
      } catch (error) {
        const attempts = job.attemptsMade + 1;
        const final = error instanceof UnrecoverableError || attempts >= (job.opts.attempts ?? 1);
        this.logger.warn?.(
          `Event ${envelope.type} ${envelope.id} failed (attempt ${attempts}${final ? ', giving up' : ', will retry'}): ${describeError(error)}`,
        );
        if (final) await this.deadLetters.record(envelope, error as Error, attempts);
        throw error;
      }
    });
  }

  private async handle(job: Job<EventEnvelope>, envelope: EventEnvelope): Promise<void> {
    const handler = this.getHandlerByPattern(envelope.type);
    if (!handler) {
      throw new UnrecoverableError(`${this.options.service} has no handler for ${envelope.type}`);
    }
    const afterCommit = await this.dataSource.transaction(async (manager) => {
      const claimed = await this.claim(manager, envelope);
      if (claimed.length === 0) return [];
      const context = new EventContext([envelope, manager, job]);
      for (let current: MessageHandler | undefined = handler; current; current = current.next) {
        await lastValueFrom(this.transformToObservable(await current(envelope, context)), { defaultValue: undefined });
      }
      return context.afterCommitCallbacks;
    });
    for (const callback of afterCommit) await callback();
  }

  /** Claims (consumer, event id) in the inbox, and with a referralLockSpace locks the event's referral in the same statement. */
  private claim(manager: EntityManager, envelope: EventEnvelope): Promise<unknown[]> {
    const { schema, service, referralLockSpace } = this.options;
    const insert = `INSERT INTO "${schema}"."inbox" ("consumer", "event_id", "event_type") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING "event_id"`;
    if (referralLockSpace === undefined) return preparedQuery(manager, `inbox_claim_${schema}`, insert, [service, envelope.id, envelope.type]);
    return preparedQuery(manager, `inbox_claim_locked_${schema}`, `WITH "claimed" AS (${insert}) SELECT "event_id", ${referralLockCall(4, 5)} FROM "claimed"`, [
      service,
      envelope.id,
      envelope.type,
      envelope.referralId,
      referralLockSpace,
    ]);
  }
}
