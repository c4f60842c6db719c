import { Injectable } from '@nestjs/common';
import { DeliveryJob, JobContext, JobHandler, JobName, JobSweeper, PlannedJob, SweepSource } from '@app/shared';
import { NotifierEnvironment } from '../environment';
import { DeliveryResult, DeliveryService } from './delivery.service';
import { deliveryJob } from './notification-jobs';
import { DueNotification, NotificationStore } from './notification.store';

/** The delivery jobs, one queue per provider (each with its rate limit, see notifier-jobs.ts). */
@Injectable()
export class DeliveryJobs {
  constructor(private readonly delivery: DeliveryService) {}

  @JobHandler(JobName.DeliverEmail)
  deliverEmail(job: DeliveryJob, context: JobContext): Promise<DeliveryResult> {
    return this.delivery.deliver(job.notificationId, context);
  }

  @JobHandler(JobName.DeliverSms)
  deliverSms(job: DeliveryJob, context: JobContext): Promise<DeliveryResult> {
    return this.delivery.deliver(job.notificationId, context);
  }
}

/**
 * Notifications that should have a delivery job: pending for longer than one sweep interval (Redis down
 * at commit, crash between commit and add, Redis lost the job), or left "sending" for two lock periods
 * (the worker died, or could not record the outcome).
 */
@Injectable()
@JobSweeper()
export class PendingNotificationsSweep implements SweepSource<DueNotification> {
  readonly name = 'pending notifications';
  readonly everyMs: number;

  constructor(
    private readonly store: NotificationStore,
    private readonly env: NotifierEnvironment,
    private readonly delivery: DeliveryService,
  ) {
    this.everyMs = env.DELIVERY_SWEEP_MS;
  }

  candidates(after: string | null, limit: number): Promise<DueNotification[]> {
    return this.store.due(this.env.DELIVERY_SWEEP_MS, 2 * this.env.DELIVERY_LOCK_MS, after, limit);
  }

  jobsFor(row: DueNotification): PlannedJob[] {
    // Without NOTIFY_API_KEY nothing can send an SMS; the row waits for a configured instance.
    if (row.channel === 'sms' && !this.delivery.sms) return [];
    return [deliveryJob(row)];
  }
}
