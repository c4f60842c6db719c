import type { Queue } from 'bullmq';
import { describeError } from '../logging/error-serializer';

/** While Redis is away every queue reports each failed reconnect: one line per queue this often is enough. */
export const QUEUE_ERROR_LOG_EVERY_MS = 30_000;

/**
 * Logs a queue's errors as warnings (at most one line per QUEUE_ERROR_LOG_EVERY_MS), so Redis trouble is
 * visible to operators without flooding the log. A BullMQ queue with no 'error' listener crashes the
 * process on the first one; one whose listener does nothing hides the outage: neither is acceptable.
 */
export function logQueueErrors(queue: Pick<Queue, 'on' | 'name'>, logger: { warn(message: string): unknown }, what = `Queue ${queue.name}`, now: () => number = Date.now): void {
  let lastLogged = Number.NEGATIVE_INFINITY;
  queue.on('error', (error: Error) => {
    if (now() - lastLogged < QUEUE_ERROR_LOG_EVERY_MS) return;
    lastLogged = now();
    logger.warn(`${what}: ${describeError(error)}`);
  });
}
