import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeliveryJob, JobContext, JobHandler, JobName, JobSweeper, NotificationChannel, PlannedJob, SweepSource } from '@app/shared';
import { NotifierEnvironment } from '../environment';
import { DeliveryResult, DeliveryService } from './delivery.service';
import { deliveryJob } from './notification-jobs';

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

interface NotificationRow {
  id: string;
  channel: NotificationChannel;
  correlationId: string | null;
}

/**
 * Notifications that should have a delivery job: pending for longer than one sweep interval (Redis down
 * at commit, crash between commit and add, Redis lost the job), or left "sending" for two lock periods
 * (the worker died, or could not record the outcome).
 */
@Injectable()
@JobSweeper()
export class PendingNotificationsSweep implements SweepSource<NotificationRow> {
  readonly name = 'pending notifications';
  readonly everyMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: NotifierEnvironment,
    private readonly delivery: DeliveryService,
  ) {
    this.everyMs = env.DELIVERY_SWEEP_MS;
  }

  candidates(after: string | null, limit: number): Promise<NotificationRow[]> {
    return this.dataSource.query(
      `SELECT "id", "channel", "correlation_id" AS "correlationId" FROM "notifier"."notification"
       WHERE (("status" = 'pending' AND "updated_at" < now() - ($1 || ' milliseconds')::interval)
           OR ("status" = 'sending' AND "updated_at" < now() - ($2 || ' milliseconds')::interval))
         AND ($3::uuid IS NULL OR "id" > $3)
       ORDER BY "id" LIMIT $4`,
      [String(this.env.DELIVERY_SWEEP_MS), String(2 * this.env.DELIVERY_LOCK_MS), after, limit],
    );
  }

  jobsFor(row: NotificationRow): PlannedJob[] {
    // Without NOTIFY_API_KEY nothing can send an SMS; the row waits for a configured instance.
    if (row.channel === 'sms' && !this.delivery.sms) return [];
    return [deliveryJob(row)];
  }
}
