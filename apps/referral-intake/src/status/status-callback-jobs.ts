import { EntityManager } from 'typeorm';
import { JobName, PlannedJob, StatusCallbackJob, planJob } from '@app/shared';
import { StatusStore } from './status.store';

/** A callback's delivery job; it carries only the callback id (which is also the webhook-id). */
export function callbackJob(callbackId: string, correlationId?: string | null): PlannedJob {
  return planJob(JobName.DeliverStatusCallback, { callbackId, ...(correlationId ? { correlationId } : {}) });
}

/** Replaying a dead-lettered callback: back to pending for a fresh round of attempts. */
export function reopenStatusCallback(manager: EntityManager, job: StatusCallbackJob): Promise<void> {
  return new StatusStore(manager.connection).reopen(manager, job.callbackId);
}

