import { randomUUID } from 'node:crypto';
import { EVENT_VERSIONS, EventPayloads, EventTypeName } from './event-types';

export interface EventEnvelope<T extends EventTypeName = EventTypeName> {
  id: string;
  type: T;
  version: number;
  occurredAt: string;
  referralId: string;
  correlationId: string;
  /** The service that published it. */
  source: string;
  payload: EventPayloads[T];
}

export interface NewEvent<T extends EventTypeName> {
  type: T;
  referralId: string;
  correlationId: string;
  source: string;
  payload: EventPayloads[T];
  occurredAt?: Date;
}

export function createEvent<T extends EventTypeName>(event: NewEvent<T>): EventEnvelope<T> {
  return {
    id: randomUUID(),
    type: event.type,
    version: EVENT_VERSIONS[event.type],
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    referralId: event.referralId,
    correlationId: event.correlationId,
    source: event.source,
    payload: event.payload,
  };
}
