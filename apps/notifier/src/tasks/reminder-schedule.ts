import { addDays, isWeekend } from 'date-fns';
import { readFileSync } from 'node:fs';
import { resolveAsset } from '../assets';

/**
 * When a reminder (or escalation) falls due: a number of working days after `from`, skipping weekends
 * and the given bank holidays (YYYY-MM-DD, UTC dates), or a plain delay when one is configured.
 */
export function dueAfter(from: Date, workingDays: number, overrideMs?: number, holidays: ReadonlySet<string> = new Set()): Date {
  if (overrideMs !== undefined) return new Date(from.getTime() + overrideMs);
  let due = from;
  for (let counted = 0; counted < workingDays; ) {
    due = addDays(due, 1);
    if (!isWeekend(due) && !holidays.has(due.toISOString().slice(0, 10))) counted += 1;
  }
  return due;
}

/** Bank holidays are data (apps/notifier/directory/bank-holidays.json, from gov.uk), extended each year. */
export function loadBankHolidays(file = resolveAsset('apps/notifier/directory/bank-holidays.json')): Set<string> {
  return new Set((JSON.parse(readFileSync(file, 'utf8')) as { dates: string[] }).dates);
}

export type ReminderStage = 'reminder' | 'escalation';

export interface ScheduledReminder {
  taskId: string;
  stage: ReminderStage;
  dueAt: Date;
  correlationId?: string | null;
}

/** What of an open task's reminding is recorded on its row. */
export interface TaskReminderState {
  id: string;
  reminderDueAt: Date | null;
  remindedAt: Date | null;
  escalationDueAt: Date | null;
  escalatedAt: Date | null;
  correlationId: string | null;
}

/** The next reminder an open task is waiting for, if any: the reminder first, then the escalation. */
export function pendingReminder(task: TaskReminderState): ScheduledReminder | undefined {
  if (task.reminderDueAt && !task.remindedAt) return { taskId: task.id, stage: 'reminder', dueAt: task.reminderDueAt, correlationId: task.correlationId };
  if (task.escalationDueAt && !task.escalatedAt) return { taskId: task.id, stage: 'escalation', dueAt: task.escalationDueAt, correlationId: task.correlationId };
  return undefined;
}
