import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface CorrelationScope {
  correlationId: string;
  eventId?: string;
  jobId?: string;
}

const storage = new AsyncLocalStorage<CorrelationScope>();

export const CORRELATION_HEADER = 'x-correlation-id';

export function runWithCorrelation<T>(scope: CorrelationScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** Runs work that belongs to no one caller (such as a group of several events) outside any correlation. */
export function runWithoutCorrelation<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function currentCorrelation(): CorrelationScope | undefined {
  return storage.getStore();
}

/** The correlation id of the work in hand, or a fresh one for work that starts here. */
export function correlationIdOrNew(): string {
  return storage.getStore()?.correlationId ?? randomUUID();
}

const UUID_LIKE = /^[A-Za-z0-9-]{8,64}$/;

/** A caller's id is kept only when it is safe to echo into logs and headers. */
export function acceptCorrelationId(candidate: unknown): string {
  const value = Array.isArray(candidate) ? candidate[0] : candidate;
  return typeof value === 'string' && UUID_LIKE.test(value) ? value : randomUUID();
}
