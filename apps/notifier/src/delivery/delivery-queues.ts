import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import IORedis from 'ioredis';
import { NotificationChannel, producerConnection, retryingJobOptions } from '@app/shared';
import { NotifierEnvironment } from '../environment';

/** One queue per provider, so each gets its own BullMQ rate limiter. */
export const DELIVERY_QUEUES: Record<NotificationChannel, string> = {
  email: 'notifier.deliver-email',
  sms: 'notifier.deliver-sms',
};

export const DELIVER_JOB = 'deliver';

export interface QueuedNotification {
  id: string;
  channel: NotificationChannel;
  correlationId?: string | null;
}

export interface DeliveryJob {
  notificationId: string;
  correlationId?: string;
}

const jobData = (notification: QueuedNotification): DeliveryJob => ({
  notificationId: notification.id,
  ...(notification.correlationId ? { correlationId: notification.correlationId } : {}),
});

export function deliveryJobOptions(env: Pick<NotifierEnvironment, 'DELIVERY_MAX_ATTEMPTS' | 'DELIVERY_BACKOFF_MS'>): JobsOptions {
  return retryingJobOptions(env.DELIVERY_MAX_ATTEMPTS, env.DELIVERY_BACKOFF_MS);
}

/**
 * Puts notifications on their delivery queue. The job id is the notification id, so adding one twice is
 * one job; the row in Postgres is the truth and the job only carries its id.
 */
@Injectable()
export class DeliveryQueues implements OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryQueues.name);
  private readonly connection: IORedis;
  private readonly queues: Record<NotificationChannel, Queue>;

  constructor(private readonly env: NotifierEnvironment) {
    this.connection = producerConnection(env.REDIS_URL);
    this.queues = {
      email: this.createQueue(DELIVERY_QUEUES.email),
      sms: this.createQueue(DELIVERY_QUEUES.sms),
    };
  }

  queue(channel: NotificationChannel): Queue {
    return this.queues[channel];
  }

  /**
   * Called after the rows committed. When Redis is unreachable the rows stay pending and the sweeper
   * enqueues them later, so a failure here only delays delivery.
   */
  async enqueue(notifications: QueuedNotification[]): Promise<void> {
    for (const channel of Object.keys(this.queues) as NotificationChannel[]) {
      const jobs = notifications.filter((notification) => notification.channel === channel);
      if (jobs.length === 0) continue;
      try {
        await this.queues[channel].addBulk(jobs.map((job) => ({ name: DELIVER_JOB, data: jobData(job), opts: { ...deliveryJobOptions(this.env), jobId: job.id } })));
      } catch (error) {
        this.logger.warn(`Could not enqueue ${jobs.length} ${channel} notification(s) yet; the sweeper will: ${(error as Error).message}`);
      }
    }
  }

  /** Makes sure a pending notification has a live job: adds one, or retries one that failed without updating the row. */
  async ensureQueued(notification: QueuedNotification): Promise<'added' | 'retried' | 'present'> {
    const queue = this.queues[notification.channel];
    const job = await queue.getJob(notification.id);
    if (!job) {
      await queue.add(DELIVER_JOB, jobData(notification), { ...deliveryJobOptions(this.env), jobId: notification.id });
      return 'added';
    }
    if (await job.isFailed()) {
      await job.retry('failed', { resetAttemptsMade: true });
      return 'retried';
    }
    if (await job.isCompleted()) {
      await job.remove();
      await queue.add(DELIVER_JOB, jobData(notification), { ...deliveryJobOptions(this.env), jobId: notification.id });
      return 'added';
    }
    return 'present';
  }

  /** Last in shutdown: workers and event handlers that enqueue have finished by then. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
    this.connection.disconnect();
  }

  private createQueue(name: string): Queue {
    const queue = new Queue(name, { connection: this.connection, prefix: this.env.REDIS_PREFIX });
    queue.on('error', () => undefined);
    return queue;
  }
}
