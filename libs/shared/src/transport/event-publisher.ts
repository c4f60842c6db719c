import { EntityManager } from 'typeorm';
import { EventEnvelope, EventPayloads, EventTypeName, createEvent } from '../events';
import { correlationIdOrNew } from '../logging/correlation';
import { Statement, preparedQuery } from '../database/prepared-query';
import { outboxChannel } from './outbox-relay';

export interface PublishInput<T extends EventTypeName> {
  referralId: string;
  payload: EventPayloads[T];
  correlationId?: string;
  occurredAt?: Date;
}

/**
 * Publishing is an insert into the service's outbox inside the caller's transaction: the event exists
 * exactly when the state change that caused it is committed, and the commit wakes the relay (outboxChannel).
 */
export class EventPublisher {
  constructor(
    private readonly service: string,
    private readonly schema: string,
  ) {}

  async publish<T extends EventTypeName>(manager: EntityManager, type: T, input: PublishInput<T>): Promise<EventEnvelope<T>> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error(`Event ${type} must be published inside a database transaction`);
    }
    const { envelope, insert } = this.outboxRow(type, input);
    // The notification is delivered when (and only if) this transaction commits: the relay wakes at once
    // instead of at its next poll. Several events of one transaction make one notification.
    await preparedQuery(manager, `outbox_insert_${this.schema}`, `WITH "inserted" AS (${insert.text}) SELECT pg_notify($4, '') FROM "inserted"`, [
      ...insert.values,
      this.channel,
    ]);
    return envelope;
  }

  /**
   * The event and the insert of its outbox row, for a statement that writes the row together with the change
   * that caused it (in one statement, so atomically); that statement also calls pg_notify(channel) to wake the
   * relay. With `onlyIf` (an SQL condition over the enclosing statement, such as the change's CTE having a
   * row), the row is inserted only when it holds.
   */
  outboxRow<T extends EventTypeName>(type: T, input: PublishInput<T>, onlyIf?: string): { envelope: EventEnvelope<T>; insert: Statement } {
    const envelope = createEvent({
      type,
      referralId: input.referralId,
      correlationId: input.correlationId ?? correlationIdOrNew(),
      source: this.service,
      payload: input.payload,
      occurredAt: input.occurredAt,
    });
    const into = `INSERT INTO "${this.schema}"."outbox" ("id", "type", "envelope")`;
    return {
      envelope,
      insert: {
        text: onlyIf === undefined ? `${into} VALUES ($1, $2, $3) RETURNING 1` : `${into} SELECT $1::uuid, $2::text, $3::jsonb WHERE ${onlyIf} RETURNING 1`,
        values: [envelope.id, envelope.type, JSON.stringify(envelope)],
      },
    };
  }

  get channel(): string {
    return outboxChannel(this.schema);
  }
}
