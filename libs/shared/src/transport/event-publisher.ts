import { EntityManager } from 'typeorm';
import { EventEnvelope, EventPayloads, EventTypeName, createEvent } from '../events';
import { correlationIdOrNew } from '../logging/correlation';
import { preparedQuery } from '../database/prepared-query';
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
    const envelope = createEvent({
      type,
      referralId: input.referralId,
      correlationId: input.correlationId ?? correlationIdOrNew(),
      source: this.service,
      payload: input.payload,
      occurredAt: input.occurredAt,
    });
    // The notification is delivered when (and only if) this transaction commits: the relay wakes at once
    // instead of at its next poll. Several events of one transaction make one notification.
    await preparedQuery(
      manager,
      `outbox_insert_${this.schema}`,
      `WITH "inserted" AS (INSERT INTO "${this.schema}"."outbox" ("id", "type", "envelope") VALUES ($1, $2, $3) RETURNING 1)
       SELECT pg_notify($4, '') FROM "inserted"`,
      [envelope.id, envelope.type, JSON.stringify(envelope), outboxChannel(this.schema)],
    );
    return envelope;
  }
}
