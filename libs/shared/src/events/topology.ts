import { ALL_EVENT_TYPES, EventType, EventTypeName } from './event-types';

export const ServiceName = {
  ReferralIntake: 'referral-intake',
  Notifier: 'notifier',
  Outcomes: 'outcomes',
} as const;

export type ServiceNameValue = (typeof ServiceName)[keyof typeof ServiceName];

/** The PostgreSQL schema each service owns (its outbox, inbox and dead letters live there). */
export const SERVICE_SCHEMAS: Record<ServiceNameValue, string> = {
  'referral-intake': 'intake',
  notifier: 'notifier',
  outcomes: 'outcomes',
};

/**
 * Who hears what. Each subscriber has its own queue, so an event waits for a service that is down
 * instead of being missed by it.
 */
const { ReferralIntake, Notifier, Outcomes } = ServiceName;

export const SUBSCRIPTIONS: Record<EventTypeName, readonly ServiceNameValue[]> = {
  [EventType.ReferralReceived]: [Notifier, Outcomes],
  [EventType.ReferralRouted]: [ReferralIntake, Outcomes],
  [EventType.ReferralUnrouted]: [ReferralIntake, Outcomes],
  [EventType.NotificationSent]: [Outcomes],
  [EventType.NotificationDelivered]: [Outcomes],
  [EventType.NotificationFailed]: [Outcomes],
  // Only the notifier decides; it applies its own decisions in the deciding transaction.
  [EventType.ReferralAccepted]: [ReferralIntake, Outcomes],
  [EventType.ReferralDeclined]: [ReferralIntake, Outcomes],
  // Recorded in the notifier's workspace or through outcomes' recording API: each side hears the other's,
  // and intake folds them into the status the GP is told.
  [EventType.ReferralContacted]: [ReferralIntake, Notifier, Outcomes],
  [EventType.SessionAttended]: [ReferralIntake, Notifier, Outcomes],
  [EventType.SessionMissed]: [ReferralIntake, Notifier, Outcomes],
  [EventType.ReferralCompleted]: [ReferralIntake, Notifier, Outcomes],
  [EventType.ReferralClosed]: [ReferralIntake, Notifier, Outcomes],
  [EventType.MeasureRecorded]: [Notifier, Outcomes],
  [EventType.ReferralCancelled]: [ReferralIntake, Notifier, Outcomes],
  [EventType.ReferralConsentWithdrawn]: [ReferralIntake, Notifier, Outcomes],
  [EventType.ReferralOffered]: [ReferralIntake, Outcomes],
  [EventType.ReferralOfferWithdrawn]: [ReferralIntake, Outcomes],
};

export function subscribersOf(type: string): readonly ServiceNameValue[] {
  return SUBSCRIPTIONS[type as EventTypeName] ?? [];
}

export function eventsConsumedBy(service: string): EventTypeName[] {
  return ALL_EVENT_TYPES.filter((type) => SUBSCRIPTIONS[type].includes(service as ServiceNameValue));
}

/** One queue per consuming service. */
export function eventQueueName(service: string): string {
  return `events.${service}`;
}
