import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { NotificationChannel, runWithCorrelation, workerConnection } from '@app/shared';
import { NotifierEnvironment } from '../environment';
import { DELIVERY_QUEUES, DeliveryJob, DeliveryQueues } from './delivery-queues';
import { DeliveryService } from './delivery.service';

/**
 * The delivery workers, one per provider with that provider's rate limit, and the sweeper that re-enqueues
 * pending notifications whose job was never added (Redis down at commit, crash between commit and add).
 */
@Injectable()
export class DeliveryWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorkers.name);
  private readonly workers: Worker[] = [];
  private connection: IORedis | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: NotifierEnvironment,
    private readonly delivery: DeliveryService,
    private readonly queues: DeliveryQueues,
  ) {}

  onApplicationBootstrap(): void {
    // Hybrid apps run bootstrap hooks for the HTTP app and for the event consumer alike.
    if (this.connection) return;
    this.connection = workerConnection(this.env.REDIS_URL);
    this.workers.push(this.createWorker('email', this.env.SMTP_RATE_LIMIT_PER_MINUTE));
    if (this.delivery.sms) this.workers.push(this.createWorker('sms', this.env.NOTIFY_RATE_LIMIT_PER_MINUTE));
    this.sweepTimer = setInterval(() => {
      this.sweeping = this.sweep().catch((error) => this.logger.warn(`Notification sweep failed: ${(error as Error).message}`));
    }, this.env.DELIVERY_SWEEP_MS);
  }

  /** In-flight deliveries finish first, while the database, senders and queues are still open. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.sweeping;
    await Promise.all(this.workers.map((worker) => worker.close()));
    this.connection?.disconnect();
  }

  /**
   * Pending notifications older than one sweep interval get a job if they have none; so do notifications
   * left "sending" for two lock periods whose job is gone or failed (Redis lost it, or the worker could not
   * record the outcome).
   */
  async sweep(): Promise<number> {
    const rows: Array<{ id: string; channel: NotificationChannel; correlationId: string | null }> = await this.dataSource.query(
      `SELECT "id", "channel", "correlation_id" AS "correlationId" FROM "notifier"."notification"
       WHERE ("status" = 'pending' AND "updated_at" < now() - ($1 || ' milliseconds')::interval)
          OR ("status" = 'sending' AND "updated_at" < now() - ($2 || ' milliseconds')::interval)
       ORDER BY "created_at" LIMIT 500`,
      [String(this.env.DELIVERY_SWEEP_MS), String(2 * this.env.DELIVERY_LOCK_MS)],
    );
    let enqueued = 0;
    for (const row of rows) {
      if (row.channel === 'sms' && !this.delivery.sms) continue;
      if ((await this.queues.ensureQueued(row)) !== 'present') enqueued += 1;
    }
    if (enqueued > 0) this.logger.log(`Sweeper enqueued ${enqueued} pending notification(s)`);
    return enqueued;
  }

  private createWorker(channel: NotificationChannel, perMinute: number): Worker {
    const worker = new Worker(
      DELIVERY_QUEUES[channel],
      (job: Job<DeliveryJob>) =>
        runWithCorrelation({ correlationId: job.data.correlationId ?? job.data.notificationId, jobId: job.id }, () =>
          this.delivery.deliver(job.data.notificationId, { attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 }),
        ),
      {
        connection: this.connection as IORedis,
        prefix: this.env.REDIS_PREFIX,
        concurrency: 4,
        limiter: { max: perMinute, duration: 60_000 },
        lockDuration: this.env.DELIVERY_LOCK_MS,
        stalledInterval: Math.max(250, Math.floor(this.env.DELIVERY_LOCK_MS / 2)),
      },
    );
    worker.on('error', (error) => this.logger.warn(`${channel} delivery worker: ${error.message}`));
    worker.on('failed', (job, error) => {
      if (job) this.logger.warn({ notificationId: job.data.notificationId, attemptsMade: job.attemptsMade }, `Delivery attempt failed: ${error.message}`);
    });
    return worker;
  }
}
