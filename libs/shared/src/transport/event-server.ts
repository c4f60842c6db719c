import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';
import { EventEnvelope, eventQueueName } from '../events';
import { CorrelationScope, runWithCorrelation, runWithoutCorrelation } from '../logging/correlation';
import { DeadLetterStore } from './dead-letters';
import { AfterCommit, EventContext } from './event-context';
import { referralLockCall } from './referral-lock';
import { workerConnection } from './redis-connections';
import { DEFAULT_EVENT_CONCURRENCY, DEFAULT_SHUTDOWN_GRACE_MS, EventTransportOptions, afterFailedAttempt } from './transport-options';
import { closeWorkerWithin } from './worker-shutdown';
import { describeError } from '../logging/error-serializer';

export const EVENT_TRANSPORT_ID = Symbol('bullmq-events');

const EVENT_FAILURE_WORDS: Record<ReturnType<typeof afterFailedAttempt>, string> = {
  retry: 'will retry',
  'dead-letter': 'giving up',
  'leave-failed': 'PostgreSQL unreachable: left for the reconciler',
};

/**
 * Groups a consumer runs at once. Two let one group's round trips overlap the other's work: draining 2,000
 * referrals through the three services took 80 s with one group at a time, 58-62 s with two and 59 s with
 * four (whose groups are smaller), against 73-79 s before group commit (four single-event transactions).
 */
export const GROUPS_IN_FLIGHT = 2;

/** A job handed to the server by BullMQ, waiting for its group's transaction to commit. */
interface Delivery {
  job: Job<EventEnvelope>;
  handler: MessageHandler;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function correlationOf(job: Job<EventEnvelope>): CorrelationScope {
  return { correlationId: job.data.correlationId, eventId: job.data.id, jobId: job.id };
}

/**
 * A Nest microservice transport on BullMQ. Each service consumes its own queue, taking up to `concurrency`
 * jobs at once. Events are handled in Postgres transactions that first claim (consumer, event id) in the
 * inbox, so a redelivered event changes nothing (and, with a referralLockSpace, lock the events' referrals
 * in the same statement).
 *
 * Group commit: at most GROUPS_IN_FLIGHT transactions run at a time, and the events handed in while none
 * could start are handled together in the next one, one after another, with one claim and one commit for
 * all of them. Under load that spreads a transaction's fixed cost (its start, claim and commit, each a
 * round trip, and the commit's WAL flush) over the group; with one event waiting, a group is that one
 * event. If any event of a group fails, the group's transaction rolls back and each of its events is
 * handled again in a transaction of its own, so the others commit and only the failing one's job fails.
 * Errors are rethrown for BullMQ's retries; what the last failure leads to is afterFailedAttempt's rule.
 */
export class BullMqEventServer extends Server implements CustomTransportStrategy {
  readonly transportId = EVENT_TRANSPORT_ID;
  private worker: Worker | undefined;
  private connection: IORedis | undefined;
  private readonly deadLetters: DeadLetterStore;
  private readonly waiting: Delivery[] = [];
  private groupsRunning = 0;

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
      concurrency: this.options.concurrency ?? DEFAULT_EVENT_CONCURRENCY,
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
    return runWithCorrelation(correlationOf(job), async () => {
      try {
        await this.handInForCommit(job);
      } catch (error) {
        const attempts = job.attemptsMade + 1;
        const next = afterFailedAttempt(error, attempts, job.opts.attempts ?? 1);
        this.logger.warn?.(`Event ${envelope.type} ${envelope.id} failed (attempt ${attempts}, ${EVENT_FAILURE_WORDS[next]}): ${describeError(error)}`);
        if (next === 'dead-letter') await this.deadLetters.record(envelope, error as Error, attempts);
        throw error;
      }
    });
  }

  /** Settles once the event's transaction committed (and its after-commit work ran), or with its failure. */
  private handInForCommit(job: Job<EventEnvelope>): Promise<void> {
    const handler = this.getHandlerByPattern(job.data.type);
    if (!handler) return Promise.reject(new UnrecoverableError(`${this.options.service} has no handler for ${job.data.type}`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, handler, resolve, reject });
      // The group belongs to none of its events: its own work is not logged under whichever came first.
      runWithoutCorrelation(() => this.commitWaiting());
    });
  }

  /** Up to GROUPS_IN_FLIGHT groups at a time; each takes every event that was handed in while none could start. */
  private commitWaiting(): void {
    while (this.waiting.length > 0 && this.groupsRunning < GROUPS_IN_FLIGHT) {
      this.groupsRunning += 1;
      void this.commitGroup(this.waiting.splice(0)).finally(() => {
        this.groupsRunning -= 1;
        this.commitWaiting();
      });
    }
  }

  /** Settles every delivery of the group; never throws. */
  private async commitGroup(group: Delivery[]): Promise<void> {
    if (group.length > 1) {
      try {
        const afterCommit = await this.transact(group);
        for (const delivery of group) await this.settle(delivery, afterCommit.get(delivery) ?? []);
        return;
      } catch (error) {
        this.logger.debug?.(`A group of ${group.length} events rolled back (${describeError(error)}); handling each alone`);
      }
    }
    for (const delivery of group) {
      try {
        await this.settle(delivery, (await this.transact([delivery])).get(delivery) ?? []);
      } catch (error) {
        delivery.reject(error);
      }
    }
  }

  private async settle(delivery: Delivery, afterCommit: AfterCommit[]): Promise<void> {
    try {
      await runWithCorrelation(correlationOf(delivery.job), async () => {
        for (const callback of afterCommit) await callback();
      });
      delivery.resolve();
    } catch (error) {
      delivery.reject(error);
    }
  }

  /** Handles the deliveries in order in one transaction; returns each handled one's after-commit work. */
  private transact(deliveries: Delivery[]): Promise<Map<Delivery, AfterCommit[]>> {
    return this.dataSource.transaction(async (manager) => {
      const claimed = new Set(await this.claim(manager, deliveries.map(({ job }) => job.data)));
      const afterCommit = new Map<Delivery, AfterCommit[]>();
      for (const delivery of deliveries) {
        const envelope = delivery.job.data;
        // Deleted once handled: the same event twice in a group (a replayed dead letter beside its original) runs once.
        if (!claimed.delete(envelope.id)) continue;
        const context = new EventContext([envelope, manager, delivery.job]);
        await runWithCorrelation(correlationOf(delivery.job), async () => {
          for (let current: MessageHandler | undefined = delivery.handler; current; current = current.next) {
            await lastValueFrom(this.transformToObservable(await current(envelope, context)), { defaultValue: undefined });
          }
        });
        afterCommit.set(delivery, context.afterCommitCallbacks);
      }
      return afterCommit;
    });
  }

  /**
   * Claims (consumer, event id) in the inbox for every event of a group in one statement, returning the ids
   * not claimed before. With a referralLockSpace the same statement locks the claimed events' referrals, in
   * the order of their ids, so two groups locking some of the same referrals cannot deadlock on them.
   */
  private async claim(manager: EntityManager, envelopes: EventEnvelope[]): Promise<string[]> {
    const { schema, service, referralLockSpace } = this.options;
    const insert = `INSERT INTO "${schema}"."inbox" ("consumer", "event_id", "event_type")
      SELECT $1, "id", "type" FROM unnest($2::uuid[], $3::text[]) AS "event"("id", "type")
      ON CONFLICT DO NOTHING RETURNING "event_id"`;
    const ids = envelopes.map((envelope) => envelope.id);
    const types = envelopes.map((envelope) => envelope.type);
    const rows: Array<{ event_id: string }> =
      referralLockSpace === undefined
        ? await preparedQuery(manager, `inbox_claim_${schema}`, insert, [service, ids, types])
        : await preparedQuery(
            manager,
            `inbox_claim_locked_${schema}`,
            `WITH "claimed" AS (${insert}),
             "locked" AS (
               SELECT ${referralLockCall('"referral_id"', '$5')} FROM (
                 SELECT DISTINCT "event"."referral_id" FROM unnest($2::uuid[], $4::text[]) AS "event"("id", "referral_id")
                 JOIN "claimed" ON "claimed"."event_id" = "event"."id"
                 ORDER BY "event"."referral_id"
               ) AS "referrals"
             )
             -- Always true: reading "locked" is what makes PostgreSQL take the locks (a SELECT in WITH that
             -- nothing reads is never run), and before "claimed" is returned.
             SELECT "event_id" FROM "claimed" WHERE (SELECT count(*) FROM "locked") >= 0`,
            [service, ids, types, envelopes.map((envelope) => envelope.referralId), referralLockSpace],
          );
    return rows.map((row) => row.event_id);
  }
}
