import { CLOSE_REASONS, EventType, FieldProblem, pointerToken, reportedMoment, isJsonObject } from '@app/shared';

/** The outcome facts organisations and link workers record, as they name them, and the event each becomes. */
export const OUTCOME_EVENTS = {
  contacted: EventType.ReferralContacted,
  'session-attended': EventType.SessionAttended,
  'did-not-attend': EventType.SessionMissed,
  completed: EventType.ReferralCompleted,
  closed: EventType.ReferralClosed,
} as const;

export type OutcomeKind = keyof typeof OUTCOME_EVENTS;

export interface OutcomeInput {
  type: OutcomeKind;
  occurredAt: Date;
  reason: string | null;
}

export function validateOutcome(body: unknown, now: Date = new Date(), allowed: readonly string[] = ['type', 'occurredAt', 'reason']): { problems: FieldProblem[] } | { outcome: OutcomeInput } {
  if (!isJsonObject(body)) return { problems: [{ pointer: '', detail: 'the body must be a JSON object' }] };
  const input = body;
  const problems: FieldProblem[] = [];
  if (typeof input.type !== 'string' || !Object.hasOwn(OUTCOME_EVENTS, input.type)) {
    problems.push({ pointer: '/type', detail: `type must be one of ${Object.keys(OUTCOME_EVENTS).join(', ')}` });
  }
  const occurredAt = reportedMoment(input, 'occurredAt', now, problems);
  let reason: string | null = null;
  if (input.reason !== undefined && input.reason !== null) {
    if (input.type !== 'closed') problems.push({ pointer: '/reason', detail: 'a reason is recorded only when closing a referral' });
    else if (typeof input.reason !== 'string' || !CLOSE_REASONS.includes(input.reason)) problems.push({ pointer: '/reason', detail: `reason must be one of ${CLOSE_REASONS.join(', ')}` });
    else reason = input.reason;
  }
  for (const key of Object.keys(input).filter((key) => !allowed.includes(key))) {
    problems.push({ pointer: `/${pointerToken(key)}`, detail: `${key} is not a field of an outcome` });
  }
  if (problems.length > 0) return { problems };
  return { outcome: { type: input.type as OutcomeKind, occurredAt, reason } };
}
