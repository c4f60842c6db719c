import { Injectable, Logger } from '@nestjs/common';
import { JobHandler, JobName, JobQueues, JobSweeper, PlannedJob, SweepSource, TaskReminderJob, describeError, planJob } from '@app/shared';
import { DirectoryStore } from '../directory/directory.store';
import { NotificationsService, QueuedNotification } from '../delivery/notifications.service';
import { NotifierEnvironment } from '../environment';
import { ReminderStage, ScheduledReminder, TaskReminderState, dueAfter, loadBankHolidays, pendingReminder } from './reminder-schedule';
import { TasksStore } from './tasks.store';

export type { ReminderStage, ScheduledReminder } from './reminder-schedule';

const STAGE_JOB = { reminder: JobName.TaskReminder, escalation: JobName.TaskEscalation } as const;

/** A reminder's delayed job: fires at its due time and carries only the task id. */
export function reminderJob(reminder: ScheduledReminder): PlannedJob {
  return planJob(
    STAGE_JOB[reminder.stage],
    { taskId: reminder.taskId, ...(reminder.correlationId ? { correlationId: reminder.correlationId } : {}) },
    reminder.dueAt,
  );
}

/**
 * An organisation's task not answered in time gets a reminder; still unanswered after a second period, the
 * referral's link worker is told. Due times live on the task row; delayed jobs fire them and the open
 * tasks' sweep re-adds jobs Redis never had or lost. Deciding the task removes the jobs, and a job that
 * fires anyway finds the task decided and does nothing.
 */
@Injectable()
export class RemindersService {
  private readonly logger = new Logger(RemindersService.name);
  private readonly holidays: ReadonlySet<string>;

  constructor(
    private readonly store: TasksStore,
    private readonly env: NotifierEnvironment,
    private readonly notifications: NotificationsService,
    private readonly jobs: JobQueues,
    private readonly directory: DirectoryStore,
  ) {
    this.holidays = loadBankHolidays();
  }

  reminderDue(from: Date): Date {
    return dueAfter(from, this.env.REMINDER_WORKING_DAYS, this.env.REMINDER_DELAY_MS, this.holidays);
  }

  escalationDue(from: Date): Date {
    return dueAfter(from, this.env.ESCALATION_WORKING_DAYS, this.env.ESCALATION_DELAY_MS, this.holidays);
  }

  /** After the tasks committed; if Redis is away the sweep schedules them later. */
  async schedule(reminders: ScheduledReminder[]): Promise<void> {
    await this.jobs.enqueue(reminders.map(reminderJob));
  }

  async cancel(taskIds: string[]): Promise<void> {
    for (const taskId of taskIds) {
      for (const stage of ['reminder', 'escalation'] as const) {
        // A job left behind is harmless: it finds the task decided.
        await this.jobs
          .remove(reminderJob({ taskId, stage, dueAt: new Date() }))
          .catch((error: Error) => this.logger.warn(`Could not remove the ${stage} job of task ${taskId} (it will find the task decided): ${describeError(error)}`));
      }
    }
  }

  @JobHandler(JobName.TaskReminder)
  remind(job: TaskReminderJob): Promise<void> {
    return this.fire('reminder', job.taskId);
  }

  @JobHandler(JobName.TaskEscalation)
  escalate(job: TaskReminderJob): Promise<void> {
    return this.fire('escalation', job.taskId);
  }

  async fire(stage: ReminderStage, taskId: string): Promise<void> {
    const followUp: { notifications: QueuedNotification[]; reminders: ScheduledReminder[] } = { notifications: [], reminders: [] };
    await this.store.transaction(async (manager) => {
      const task = await this.store.lockTask(manager, taskId);
      if (!task || task.status !== 'open') return;
      const now = new Date();
      if (stage === 'reminder' && !task.remindedAt) {
        const recipient = await this.directory.recipient(task.recipientType, task.recipientId, manager);
        if (recipient) {
          followUp.notifications.push(
            ...(await this.notifications.createForTasks(manager, [
              { referralId: task.referralId, taskId: task.id, kind: 'reminder', recipientType: task.recipientType, recipient, correlationId: task.correlationId },
            ])),
          );
        }
        const escalationDueAt = this.escalationDue(now);
        await this.store.markReminded(manager, task.id, now, escalationDueAt);
        followUp.reminders.push({ taskId: task.id, stage: 'escalation', dueAt: escalationDueAt, correlationId: task.correlationId });
      }
      if (stage === 'escalation' && task.remindedAt && !task.escalatedAt) {
        const referral = await this.store.findCase(task.referralId, manager);
        const worker = referral?.linkWorkerId ? await this.directory.recipient('link-worker', referral.linkWorkerId, manager) : null;
        if (worker) {
          followUp.notifications.push(
            ...(await this.notifications.createForTasks(manager, [
              { referralId: task.referralId, taskId: task.id, kind: 'escalation', recipientType: 'link-worker', recipient: worker, correlationId: task.correlationId },
            ])),
          );
        }
        await this.store.markEscalated(manager, task.id, now);
      }
    });
    await this.notifications.enqueue(followUp.notifications);
    await this.schedule(followUp.reminders);
  }
}

/** Open tasks whose reminder or escalation has not happened yet: each must have its delayed job. */
@Injectable()
@JobSweeper()
export class OpenTaskRemindersSweep implements SweepSource<TaskReminderState> {
  readonly name = "open tasks' reminders";
  readonly everyMs: number;

  constructor(
    private readonly store: TasksStore,
    env: NotifierEnvironment,
  ) {
    this.everyMs = env.DELIVERY_SWEEP_MS;
  }

  candidates(after: string | null, limit: number): Promise<TaskReminderState[]> {
    return this.store.tasksAwaitingFollowUp(after, limit);
  }

  jobsFor(task: TaskReminderState): PlannedJob[] {
    const due = pendingReminder(task);
    return due ? [reminderJob(due)] : [];
  }
}
