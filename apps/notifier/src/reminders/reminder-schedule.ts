import { addDays, isWeekend } from 'date-fns';

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

export function parseHolidays(list: string): Set<string> {
  return new Set(
    list
      .split(',')
      .map((day) => day.trim())
      .filter(Boolean),
  );
}
