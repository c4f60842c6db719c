import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { producerConnection, retryingJobOptions, runWithCorrelation, workerConnection } from '@app/shared';
import { DirectoryStore } from '../directory/directory.store';
import { DeliveryQueues, QueuedNotification } from '../delivery/delivery-queues';
import { NotificationsService } from '../delivery/notifications.service';
import { NotifierEnvironment } from '../environment';
import { RoutingDecisionRecord, Task } from '../routing/routing.entities';
import { dueAfter, loadBankHolidays } from './reminder-schedule';

export const REMINDER_QUEUE = 'notifier.reminders';
export type ReminderStage = 'reminder' | 'escalation';

export interface ScheduledReminder {
  taskId: string;
  stage: ReminderStage;
  dueAt: Date;
  correlationId?: string | null;
}

interface ReminderJob {
  taskId: string;
  correlationId?: string;
}

const jobId = (stage: ReminderStage, taskId: string) => `${stage}.${taskId}`;

/**
 * An organisation's task not answered in time gets a reminder; still unanswered after a second period, the
 * referral's link worker is told. Due times live on the task row; delayed BullMQ jobs fire them and a
 * sweeper re-adds jobs that were never added. Deciding the task removes the jobs, and a job that fires
 * anyway finds the task decided and does nothing.
 */
@Injectable()
export class RemindersService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(RemindersService.name);
  private readonly producer: IORedis;
  private readonly queue: Queue;
  private workerConnection: IORedis | undefined;
  private worker: Worker | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  private readonly holidays: ReadonlySet<string>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: NotifierEnvironment,
    private readonly notifications: NotificationsService,
    private readonly deliveryQueues: DeliveryQueues,
    private readonly directory: DirectoryStore,
  ) {
    this.holidays = loadBankHolidays();
    this.producer = producerConnection(env.REDIS_URL);
    this.queue = new Queue(REMINDER_QUEUE, { connection: this.producer, prefix: env.REDIS_PREFIX });
    this.queue.on('error', () => undefined);
  }

  reminderDue(from: Date): Date {
    return dueAfter(from, this.env.REMINDER_WORKING_DAYS, this.env.REMINDER_DELAY_MS, this.holidays);
  }

  escalationDue(from: Date): Date {
    return dueAfter(from, this.env.ESCALATION_WORKING_DAYS, this.env.ESCALATION_DELAY_MS, this.holidays);
  }

  async schedule(reminders: ScheduledReminder[]): Promise<void> {
    for (const reminder of reminders) {
      try {
        await this.queue.add(
          reminder.stage,
          { taskId: reminder.taskId, ...(reminder.correlationId ? { correlationId: reminder.correlationId } : {}) } satisfies ReminderJob,
          { ...retryingJobOptions(5, 1000), jobId: jobId(reminder.stage, reminder.taskId), delay: Math.max(0, reminder.dueAt.getTime() - Date.now()) },
        );
      } catch (error) {
        this.logger.warn(`Could not schedule ${reminder.stage} for task ${reminder.taskId} yet; the sweeper will: ${(error as Error).message}`);
      }
    }
  }

  async cancel(taskIds: string[]): Promise<void> {
    for (const taskId of taskIds) {
      for (const stage of ['reminder', 'escalation'] as const) {
        await this.queue.remove(jobId(stage, taskId)).catch((error) => this.logger.warn(`Could not remove ${stage} job of task ${taskId}: ${(error as Error).message}`));
      }
    }
  }

  onApplicationBootstrap(): void {
    // Hybrid apps run bootstrap hooks for the HTTP app and for the event consumer alike.
    if (this.worker) return;
    this.workerConnection = workerConnection(this.env.REDIS_URL);
    this.worker = new Worker(REMINDER_QUEUE, (job: Job<ReminderJob>) => runWithCorrelation({ correlationId: job.data.correlationId ?? job.data.taskId, jobId: job.id }, () => this.fire(job.name as ReminderStage, job.data.taskId)), {
      connection: this.workerConnection,
      prefix: this.env.REDIS_PREFIX,
      concurrency: 2,
    });
    this.worker.on('error', (error) => this.logger.warn(`Reminder worker: ${error.message}`));
    this.sweepTimer = setInterval(() => {
      this.sweeping = this.sweep().catch((error) => this.logger.warn(`Reminder sweep failed: ${(error as Error).message}`));
    }, this.env.DELIVERY_SWEEP_MS);
  }

  /** The worker finishes its in-flight reminder before the queue it schedules on closes. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.sweeping;
    await this.worker?.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    this.workerConnection?.disconnect();
    this.producer.disconnect();
  }

  /** Re-adds the jobs of due dates whose job is missing (BullMQ ignores an id it already has). */
  async sweep(): Promise<void> {
    const rows: Array<{ id: string; reminder_due_at: Date | null; reminded_at: Date | null; escalation_due_at: Date | null; escalated_at: Date | null; correlation_id: string | null }> = await this.dataSource.query(
      `SELECT "id", "reminder_due_at", "reminded_at", "escalation_due_at", "escalated_at", "correlation_id" FROM "notifier"."task"
       WHERE "status" = 'open' AND (("reminder_due_at" IS NOT NULL AND "reminded_at" IS NULL) OR ("escalation_due_at" IS NOT NULL AND "escalated_at" IS NULL)) LIMIT 500`,
    );
    await this.schedule(
      rows.flatMap((row): ScheduledReminder[] => {
        if (row.reminder_due_at && !row.reminded_at) return [{ taskId: row.id, stage: 'reminder', dueAt: row.reminder_due_at, correlationId: row.correlation_id }];
        if (row.escalation_due_at && !row.escalated_at) return [{ taskId: row.id, stage: 'escalation', dueAt: row.escalation_due_at, correlationId: row.correlation_id }];
        return [];
      }),
    );
  }

  async fire(stage: ReminderStage, taskId: string): Promise<void> {
    const followUp: { notifications: QueuedNotification[]; reminders: ScheduledReminder[] } = { notifications: [], reminders: [] };
    await this.dataSource.transaction(async (manager) => {
      const task = await manager.findOne(Task, { where: { id: taskId }, lock: { mode: 'pessimistic_write' } });
      if (!task || task.status !== 'open') return;
      const now = new Date();
      if (stage === 'reminder' && !task.remindedAt) {
        const recipient = await this.directory.recipient(task.recipientType, task.recipientId, manager);
        if (recipient) {
          followUp.notifications.push(
            ...(await this.notifications.createForTask(manager, {
              referralId: task.referralId,
              taskId: task.id,
              kind: 'reminder',
              recipientType: task.recipientType,
              recipient,
              correlationId: task.correlationId,
            })),
          );
        }
        const escalationDueAt = this.escalationDue(now);
        await manager.update(Task, { id: task.id }, { remindedAt: now, escalationDueAt });
        followUp.reminders.push({ taskId: task.id, stage: 'escalation', dueAt: escalationDueAt, correlationId: task.correlationId });
      }
      if (stage === 'escalation' && task.remindedAt && !task.escalatedAt) {
        const decision = await manager.findOneBy(RoutingDecisionRecord, { referralId: task.referralId });
        const worker = decision?.linkWorkerId ? await this.directory.recipient('link-worker', decision.linkWorkerId, manager) : null;
        if (worker) {
          followUp.notifications.push(
            ...(await this.notifications.createForTask(manager, {
              referralId: task.referralId,
              taskId: task.id,
              kind: 'escalation',
              recipientType: 'link-worker',
              recipient: worker,
              correlationId: task.correlationId,
            })),
          );
        }
        await manager.update(Task, { id: task.id }, { escalatedAt: now });
      }
    });
    await this.deliveryQueues.enqueue(followUp.notifications);
    await this.schedule(followUp.reminders);
  }
}
