import { EventType, EventTypeName } from '@app/shared';

/** Where a referral stands (domain.md lifecycle). */
export const ReferralStatus = {
  Received: 'received',
  Routed: 'routed',
  Unrouted: 'unrouted',
  Accepted: 'accepted',
  Declined: 'declined',
  Contacted: 'contacted',
  InProgress: 'in-progress',
  Completed: 'completed',
  Closed: 'closed',
} as const;

export type ReferralStatusValue = (typeof ReferralStatus)[keyof typeof ReferralStatus];

export interface LifecycleEvent {
  type: EventTypeName;
  /** A closure's or decline's reason code, when one was given. */
  reason?: string;
}

export type Transition = { allowed: true; status: ReferralStatusValue } | { allowed: false; reason: string };

const { Received, Routed, Unrouted, Accepted, Declined, Contacted, InProgress, Completed, Closed } = ReferralStatus;

type Rule = { from: readonly (ReferralStatusValue | null)[]; to: ReferralStatusValue | 'unchanged' };

/**
 * The explicit table of what may happen when. "unchanged" marks events that are facts about a referral
 * (a notification, a second recipient accepting, a further session) without moving its status.
 */
const RULES: Record<EventTypeName, Rule[]> = {
  [EventType.ReferralReceived]: [{ from: [null], to: Received }],
  [EventType.ReferralRouted]: [{ from: [Received, Unrouted], to: Routed }],
  [EventType.ReferralUnrouted]: [{ from: [Received], to: Unrouted }],
  [EventType.NotificationSent]: [{ from: [Routed, Unrouted, Accepted, Declined, Contacted, InProgress, Completed], to: 'unchanged' }],
  [EventType.NotificationDelivered]: [{ from: [Routed, Unrouted, Accepted, Declined, Contacted, InProgress, Completed], to: 'unchanged' }],
  [EventType.NotificationFailed]: [{ from: [Routed, Unrouted, Accepted, Declined, Contacted, InProgress, Completed], to: 'unchanged' }],
  [EventType.ReferralAccepted]: [
    { from: [Routed, Unrouted, Declined], to: Accepted },
    { from: [Accepted, Contacted, InProgress], to: 'unchanged' },
  ],
  [EventType.ReferralDeclined]: [
    { from: [Routed, Unrouted, Declined], to: Declined },
    { from: [Accepted, Contacted, InProgress], to: 'unchanged' },
  ],
  [EventType.ReferralContacted]: [
    { from: [Accepted], to: Contacted },
    { from: [Contacted, InProgress], to: 'unchanged' },
  ],
  [EventType.SessionAttended]: [{ from: [Contacted, InProgress], to: InProgress }],
  [EventType.SessionMissed]: [{ from: [Contacted, InProgress], to: InProgress }],
  [EventType.ReferralCompleted]: [{ from: [Contacted, InProgress], to: Completed }],
  [EventType.ReferralClosed]: [{ from: [Received, Routed, Unrouted, Accepted, Declined, Contacted, InProgress, Completed], to: Closed }],
  [EventType.MeasureRecorded]: [{ from: [Accepted, Contacted, InProgress, Completed], to: 'unchanged' }],
};

/** The status a referral moves to on an event, or why the event cannot happen now. Pure. */
export function transition(current: ReferralStatusValue | null, event: LifecycleEvent): Transition {
  const rules = RULES[event.type];
  if (!rules) return { allowed: false, reason: `unknown event type ${event.type}` };
  const rule = rules.find((candidate) => candidate.from.includes(current));
  if (!rule) {
    return { allowed: false, reason: `${event.type} cannot follow ${current === null ? 'nothing (the referral was never received)' : current}` };
  }
  if (event.type === EventType.ReferralClosed && current !== Completed && !event.reason) {
    return { allowed: false, reason: 'a referral that was not completed can only be closed with a reason' };
  }
  return { allowed: true, status: rule.to === 'unchanged' ? (current as ReferralStatusValue) : rule.to };
}
