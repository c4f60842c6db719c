import { pointerToken } from '../http/json-pointer';
import type { FieldProblem } from '../http/problem-details';

/**
 * An RFC 3339 / ISO 8601 calendar date-time with an offset, as our APIs and PostgreSQL's timestamptz
 * both read it. ISO 8601 also allows week dates (2026-W48-3) and ordinal dates (2026-332), which
 * class-validator's isISO8601 accepts and PostgreSQL refuses: this rule is the one we apply instead.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function realDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function isCalendarDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second = 0, offsetHour = 0, offsetMinute = 0] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  return realDate(year, month, day) && hour < 24 && minute < 60 && second < 60 && offsetHour < 24 && offsetMinute < 60 && !Number.isNaN(Date.parse(value));
}

/** A calendar date (YYYY-MM-DD) or a calendar date-time. */
export function isCalendarDateOrDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  if (match) return realDate(Number(match[1]), Number(match[2]), Number(match[3]));
  return isCalendarDateTime(value);
}

/** How far ahead of our clock a caller's "now" may be: clocks drift a few minutes apart. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * When something happened, as a caller reports it: a calendar date or date-time (a date-time only, with
 * `dateTimeOnly`), no later than now give or take clock skew. The moment, or why it cannot be one.
 */
export function pastMoment(value: unknown, now: Date, options: { dateTimeOnly?: boolean } = {}): Date | 'malformed' | 'future' {
  const wellFormed = options.dateTimeOnly ? isCalendarDateTime(value) : isCalendarDateOrDateTime(value);
  if (!wellFormed) return 'malformed';
  const at = new Date(value as string);
  return at.getTime() > now.getTime() + CLOCK_SKEW_MS ? 'future' : at;
}

/**
 * The moment a request body's `field` reports (see pastMoment): now when the field is left out; when it is
 * not a moment, the problem is added to `problems` (and now returned, to be discarded with the request).
 */
export function reportedMoment(body: Record<string, unknown>, field: string, now: Date, problems: FieldProblem[]): Date {
  if (body[field] === undefined) return now;
  const moment = pastMoment(body[field], now);
  if (moment instanceof Date) return moment;
  problems.push({ pointer: `/${pointerToken(field)}`, detail: moment === 'future' ? `${field} must not be in the future` : `${field} must be an ISO 8601 date or date-time` });
  return now;
}
