import { EntityManager } from 'typeorm';
import { DeliveryJob, JobName, NotificationChannel, PlannedJob, planJob } from '@app/shared';
import { NotificationStore } from './notification.store';
import type { QueuedNotification } from './notifications.service';

const DELIVERY_JOB: Record<NotificationChannel, typeof JobName.DeliverEmail | typeof JobName.DeliverSms> = {
  email: JobName.DeliverEmail,
  sms: JobName.DeliverSms,
};

/** A notification's delivery job, on its provider's queue; the job carries only the notification id. */
export function deliveryJob(notification: QueuedNotification): PlannedJob {
  return planJob(DELIVERY_JOB[notification.channel], {
    notificationId: notification.id,
    ...(notification.correlationId ? { correlationId: notification.correlationId } : {}),
  });
}

/** Replaying a dead-lettered delivery: the failed notification goes back to pending for a fresh round of attempts. */
export function reopenNotification(manager: EntityManager, job: DeliveryJob): Promise<void> {
  return new NotificationStore(manager.connection).reopen(manager, job.notificationId);
}

