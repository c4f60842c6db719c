import { Worker } from 'bullmq';

/**
 * Closes a BullMQ worker, letting its in-flight jobs finish for at most `graceMs`. A job that has not
 * finished by then (a handler stuck on a PostgreSQL that stopped answering, or a Redis that went away
 * mid-command) is abandoned: the worker is force-closed, the job's lock expires, and another replica (or
 * this one, restarted) runs it again. That is safe because every handler is idempotent and PostgreSQL
 * holds the truth; a shutdown that never ends is not, since the orchestrator then kills the process anyway
 * and nothing else of the shutdown (queues, pools) ran. Resolves "abandoned" when it had to force.
 */
export async function closeWorkerWithin(worker: Worker, graceMs: number): Promise<'closed' | 'abandoned'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'abandoned'>((resolve) => {
    timer = setTimeout(() => resolve('abandoned'), graceMs);
  });
  // Pausing stops taking jobs and waits for the active ones. Not close(): BullMQ keeps the first close's
  // promise, so a close() left waiting cannot be turned into a forced one later.
  const outcome = await Promise.race([worker.pause().then(() => 'closed' as const), expired]);
  clearTimeout(timer);
  // Forced, close() stops renewing the abandoned jobs' locks (so they expire and run again elsewhere) and does
  // not wait for them. It can still wait on a connection that went away, so it is bounded too.
  const bound = new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(graceMs, 1000), 5000)).unref());
  await Promise.race([worker.close(outcome === 'abandoned'), bound]);
  return outcome;
}
