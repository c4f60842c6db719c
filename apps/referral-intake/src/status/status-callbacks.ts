import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { producerConnection, retryingJobOptions, workerConnection } from '@app/shared';
import { IntakeEnvironment } from '../environment';
import { openSecret } from '../senders/secret-box';
import { Sender } from '../senders/sender.entity';
import { CallbackState, StatusCallback, StatusCallbackAttempt } from './status-callback.entity';

export const STATUS_CALLBACK_QUEUE = 'intake.status-callbacks';
export const DELIVER_STATUS_CALLBACK_JOB = 'deliver-status-callback';

interface DeliverJob {
  callbackId: string;
}

/** A pending callback older than this without a live job (Redis was down at commit) is queued again. */
const SWEEP_AFTER_MS = 30_000;

/**
 * Delivers status callbacks to senders as Standard Webhooks: signed with every active secret of the
 * sender, retried by BullMQ with exponential backoff and jitter, each attempt recorded in Postgres.
 * Any 2xx is delivered; 410 means the endpoint is gone and retrying stops.
 */
@Injectable()
export class StatusCallbackDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StatusCallbackDispatcher.name);
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private connections: IORedis[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: IntakeEnvironment,
  ) {}

  onApplicationBootstrap(): void {
    const producer = producerConnection(this.env.REDIS_URL);
    const consumer = workerConnection(this.env.REDIS_URL);
    this.connections = [producer, consumer];
    this.queue = new Queue(STATUS_CALLBACK_QUEUE, { connection: producer, prefix: this.env.REDIS_PREFIX });
    this.queue.on('error', (error) => this.logger.warn(`Status callback queue: ${error.message}`));
    this.worker = new Worker(STATUS_CALLBACK_QUEUE, (job: Job<DeliverJob>) => this.deliver(job), {
      connection: consumer,
      prefix: this.env.REDIS_PREFIX,
      concurrency: 4,
    });
    this.worker.on('error', (error) => this.logger.warn(`Status callback worker: ${error.message}`));
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_AFTER_MS);
    this.sweepTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.worker?.close();
    await this.queue?.close();
    for (const connection of this.connections) connection.disconnect();
  }

  async enqueue(callbackId: string): Promise<void> {
    if (!this.queue) throw new Error('Status callback queue is not started');
    await this.queue.add(
      DELIVER_STATUS_CALLBACK_JOB,
      { callbackId },
      { ...retryingJobOptions(this.env.CALLBACK_MAX_ATTEMPTS, this.env.CALLBACK_BACKOFF_MS), jobId: callbackId },
    );
  }

  /** Re-queues pending callbacks whose job is gone (Redis down at commit, or lost); harmless otherwise. */
  async sweep(): Promise<void> {
    try {
      const rows: Array<{ id: string }> = await this.dataSource.query(
        `SELECT "id" FROM "intake"."status_callback" WHERE "state" = 'pending' AND "created_at" < now() - make_interval(secs => $1) ORDER BY "created_at" LIMIT 500`,
        [SWEEP_AFTER_MS / 1000],
      );
      for (const { id } of rows) {
        const job = await this.queue?.getJob(id);
        if (!job) await this.enqueue(id);
        else if ((await job.getState()) === 'failed') await job.retry('failed');
      }
    } catch (error) {
      this.logger.warn(`Status callback sweep failed: ${(error as Error).message}`);
    }
  }

  async deliver(job: Job<DeliverJob>): Promise<void> {
    const callback = await this.dataSource.getRepository(StatusCallback).findOneBy({ id: job.data.callbackId });
    if (!callback || callback.state !== 'pending') return;
    const sender = await this.dataSource.getRepository(Sender).findOneByOrFail({ id: callback.senderId });
    const body = JSON.stringify(callback.payload);
    const timestamp = new Date();
    const signature = [sender.currentSecret, sender.previousSecret]
      .filter((sealed): sealed is string => Boolean(sealed))
      .map((sealed) => new Webhook(openSecret(sealed, this.env.SENDER_SECRET_KEY)).sign(callback.id, timestamp, body))
      .join(' ');
    // Postgres counts the attempts, so a job queued again by the sweep continues the same count.
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
          'content-type': 'application/json',
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
    const outOfAttempts = attempt >= this.env.CALLBACK_MAX_ATTEMPTS;
    const state: CallbackState = delivered ? 'delivered' : gone ? 'gone' : outOfAttempts ? 'failed' : 'pending';
    const failure = delivered ? null : (error ?? `HTTP ${httpStatus}`);
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(StatusCallbackAttempt, { callbackId: callback.id, attempt, attemptedAt: timestamp, httpStatus, error: failure, durationMs: Date.now() - started });
      await manager.update(StatusCallback, { id: callback.id }, { attempts: attempt, state, lastError: failure, deliveredAt: delivered ? new Date() : null });
    });
    if (delivered) return;
    const message = `Status callback ${callback.id} to sender ${sender.id}, attempt ${attempt}: ${failure}`;
    if (gone) throw new UnrecoverableError(`${message} (endpoint gone)`);
    this.logger.warn(`${message}${outOfAttempts ? ', giving up' : ', will retry'}`);
    throw outOfAttempts ? new UnrecoverableError(message) : new Error(message);
  }
}
