import { CLOSE_REASONS, INSTRUMENTS, validateMeasure } from '@app/shared';
import type { WellbeingMeasure } from '@app/shared';
import { isWellbeingMeasure, MEASURE_QUESTIONS } from './measure-questions';

/** One problem with a form, named by the field it is about (the error summary links to `#<field>`). */
export interface FieldError {
  field: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const OUTCOME_KINDS = [
  { kind: 'contacted', label: 'Contacted the person' },
  { kind: 'could-not-contact', label: 'Could not contact the person' },
  { kind: 'session-attended', label: 'Session attended' },
  { kind: 'did-not-attend', label: 'Did not attend a session' },
  { kind: 'completed', label: 'Support completed' },
  { kind: 'closed', label: 'Close the referral' },
] as const;

export type OutcomeKind = (typeof OUTCOME_KINDS)[number]['kind'];

export interface OutcomeForm {
  kind: OutcomeKind;
  occurredAt: Date;
  attempts: number | null;
  reason: string | null;
}

type FormBody = Record<string, unknown>;

const text = (body: FormBody, field: string): string => (typeof body[field] === 'string' ? (body[field] as string).trim() : '');

/**
 * The day something happened, from the NHS date input (day, month, year). Empty means today; a date must be
 * real, not in the future, and not before the referral was received.
 */
export function parseDay(body: FormBody, prefix: string, now: Date, earliest?: Date): { date: Date } | { error: FieldError } {
  const [day, month, year] = ['day', 'month', 'year'].map((part) => text(body, `${prefix}-${part}`));
  if (!day && !month && !year) return { date: now };
  const field = `${prefix}-day`;
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) {
    return { error: { field, message: 'Enter the date as day, month and year, for example 27 3 2026' } };
  }
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), 12));
  if (date.getUTCDate() !== Number(day) || date.getUTCMonth() !== Number(month) - 1) return { error: { field, message: 'Enter a real date' } };
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 23, 59, 59));
  if (date > today) return { error: { field, message: 'The date must be today or in the past' } };
  if (earliest && date < new Date(Date.UTC(earliest.getUTCFullYear(), earliest.getUTCMonth(), earliest.getUTCDate()))) {
    return { error: { field, message: 'The date must be on or after the day the referral was received' } };
  }
  // Today's entry keeps the time it was recorded; a past day is recorded at midday.
  return { date: date.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) ? now : date };
}

export function parseOutcomeForm(body: FormBody, now: Date, receivedAt?: Date): Parsed<OutcomeForm> {
  const errors: FieldError[] = [];
  const kind = text(body, 'kind');
  const known = OUTCOME_KINDS.find((candidate) => candidate.kind === kind);
  if (!known) errors.push({ field: 'kind', message: 'Select what happened' });
  const day = parseDay(body, 'occurred', now, receivedAt);
  if ('error' in day) errors.push(day.error);
  let attempts: number | null = null;
  if (kind === 'could-not-contact') {
    const raw = text(body, 'attempts');
    if (!/^\d{1,2}$/.test(raw) || Number(raw) < 1 || Number(raw) > 20) errors.push({ field: 'attempts', message: 'Enter how many times you tried to contact them, as a number from 1 to 20' });
    else attempts = Number(raw);
  }
  let reason: string | null = null;
  if (kind === 'closed') {
    const raw = text(body, 'reason');
    if (!CLOSE_REASONS.includes(raw)) errors.push({ field: 'reason', message: 'Select why the referral is closing' });
    else reason = raw;
  }
  if (errors.length > 0 || !known || 'error' in day) return { ok: false, errors };
  return { ok: true, value: { kind: known.kind, occurredAt: day.date, attempts, reason } };
}

export interface MeasureForm {
  measure: WellbeingMeasure;
  timepoint: 'start' | 'end';
  items: number[];
  score: Record<string, number>;
  recordedAt: Date;
}

/**
 * A wellbeing measure from its form: one answer per item (fields item-1 … item-n), each checked against the
 * instrument's range, then scored by the instrument. Every unanswered or out-of-range item is its own error.
 */
export function parseMeasureForm(measure: string, body: FormBody, now: Date): Parsed<MeasureForm> {
  if (!isWellbeingMeasure(measure)) return { ok: false, errors: [{ field: 'measure', message: 'Choose a wellbeing measure' }] };
  const questions = MEASURE_QUESTIONS[measure];
  const instrument = INSTRUMENTS[measure];
  const errors: FieldError[] = [];
  const timepoint = text(body, 'timepoint');
  if (timepoint !== 'start' && timepoint !== 'end') errors.push({ field: 'timepoint', message: 'Select whether this is at the start or the end of support' });
  const items = questions.questions.map((question, index) => {
    const raw = text(body, `item-${index + 1}`);
    const value = /^\d{1,2}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < instrument.min || value > instrument.max) {
      errors.push({ field: `item-${index + 1}`, message: `Answer question ${index + 1}: ${question}` });
    }
    return value;
  });
  if (errors.length > 0) return { ok: false, errors };
  const scored = validateMeasure({ measure, timepoint, items, recordedAt: now.toISOString() }, now);
  if ('problems' in scored) return { ok: false, errors: scored.problems.map((problem) => ({ field: 'measure', message: problem.detail })) };
  return { ok: true, value: { measure, timepoint: timepoint as 'start' | 'end', items, score: scored.measure.score, recordedAt: now } };
}

/** Accept or decline from the workspace: a decline needs a listed reason, and a few words when it is "other". */
export function parseDecisionForm(body: FormBody, reasons: ReadonlyArray<{ code: string }>): Parsed<{ decision: 'accept' } | { decision: 'decline'; reason: string; reasonText?: string }> {
  const decision = text(body, 'decision');
  if (decision === 'accept') return { ok: true, value: { decision: 'accept' } };
  if (decision !== 'decline') return { ok: false, errors: [{ field: 'decision', message: 'Choose to accept or decline' }] };
  const reason = text(body, 'reason');
  const reasonText = text(body, 'reasonText').slice(0, 500);
  const errors: FieldError[] = [];
  if (!reasons.some((candidate) => candidate.code === reason)) errors.push({ field: 'reason', message: 'Choose a reason for declining' });
  else if (reason === 'other' && !reasonText) errors.push({ field: 'reasonText', message: 'Say briefly why you are declining' });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { decision: 'decline', reason, ...(reasonText ? { reasonText } : {}) } };
}
