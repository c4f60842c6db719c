import { addBusinessDays } from 'date-fns';

/**
 * When a reminder (or escalation) falls due: a number of working days (Monday to Friday) after `from`,
 * or a plain delay when one is configured (tests and demos). Bank holidays are not excluded.
 */
export function dueAfter(from: Date, workingDays: number, overrideMs?: number): Date {
  if (overrideMs !== undefined) return new Date(from.getTime() + overrideMs);
  return addBusinessDays(from, workingDays);
}
