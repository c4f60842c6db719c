import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { JobContext, JobHandler, JobName, JobQueues, JobSweeper, PlannedJob, StatusCallbackJob, SweepSource, signWebhook } from '@app/shared';
import { IntakeEnvironment } from '../environment';
import { openSecret } from '../senders/secret-box';
import { SenderStore } from '../senders/sender.store';
import { callbackJob } from './status-callback-jobs';
import { CallbackState } from './status-callback.entity';
import { StatusStore } from './status.store';

/**
 * Delivers status callbacks to senders as Standard Webhooks: signed with every active secret of the
 * sender, retried with exponential backoff and jitter by the job runner, each attempt recorded in
 * Postgres. Any 2xx is delivered; 410 means the endpoint is gone and retrying stops.
 */
@Injectable()
export class StatusCallbackDispatcher {
  constructor(
    private readonly store: StatusStore,
    private readonly senders: SenderStore,
    private readonly env: IntakeEnvironment,
    private readonly jobs: JobQueues,
  ) {}

  /** After the callback row committed; if Redis is away, the sweep queues it later. */
  async enqueue(callbackId: string, correlationId?: string): Promise<void> {
    await this.jobs.enqueue([callbackJob(callbackId, correlationId)]);
  }

  @JobHandler(JobName.DeliverStatusCallback)
  async deliver(job: StatusCallbackJob, context: JobContext): Promise<void> {
    const callback = await this.store.findCallback(job.callbackId);
    if (!callback || callback.state !== 'pending') return;
    const sender = await this.senders.find(callback.senderId);
    if (!sender) throw new UnrecoverableError(`status callback ${callback.id}: sender ${callback.senderId} does not exist`);
    const body = JSON.stringify(callback.payload);
    const timestamp = new Date();
    const signature = [sender.currentSecret, sender.previousSecret]
      .filter((sealed): sealed is string => Boolean(sealed))
      .map((sealed) => signWebhook(openSecret(sealed, this.env.SENDER_SECRET_KEY), callback.id, timestamp, body))
      .join(' ');
    // Postgres numbers the attempts across jobs (a job queued again by the sweep or a replay continues the count).
    const attempt = callback.attempts + 1;
    const started = Date.now();
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(callback.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.env.CALLBACK_TIMEOUT_MS),
        headers: {
          // A callback is our JSON, or (as the sender chose) a FHIR R4 Task.
          'content-type': callback.payload.resourceType === 'Task' ? 'application/fhir+json' : 'application/json',
          'webhook-id': callback.id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
      });
      httpStatus = response.status;
      await response.body?.cancel();
    } catch (failure) {
      error = (failure as Error).message;
    }
    const delivered = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
    const gone = httpStatus === 410;
    const outOfAttempts = context.lastAttempt;
    const state: CallbackState = delivered ? 'delivered' : gone ? 'gone' : outOfAttempts ? 'failed' : 'pending';
    const failure = delivered ? null : (error ?? `HTTP ${httpStatus}`);
    await this.store.recordAttempt(
      { callbackId: callback.id, attempt, attemptedAt: timestamp, httpStatus, error: failure, durationMs: Date.now() - started },
      { state, deliveredAt: delivered ? new Date() : null },
    );
    if (delivered) return;
    const message = `Status callback ${callback.id} to sender ${sender.id}, attempt ${attempt}: ${failure}`;
    if (gone) throw new UnrecoverableError(`${message} (endpoint gone)`);
    throw outOfAttempts ? new UnrecoverableError(message) : new Error(message);
  }
}

/** Pending callbacks older than one sweep interval should have a job (Redis was down at commit, or lost it). */
@Injectable()
@JobSweeper()
export class PendingStatusCallbacksSweep implements SweepSource<{ id: string; correlationId: string | null }> {
  readonly name = 'pending status callbacks';
  readonly everyMs: number;

  constructor(
    private readonly store: StatusStore,
    env: IntakeEnvironment,
  ) {
    this.everyMs = env.CALLBACK_SWEEP_MS;
  }

  candidates(after: string | null, limit: number): Promise<Array<{ id: string; correlationId: string | null }>> {
    return this.store.pendingCallbacks(this.everyMs, after, limit);
  }

  jobsFor(row: { id: string; correlationId: string | null }): PlannedJob[] {
    return [callbackJob(row.id, row.correlationId)];
  }
}
