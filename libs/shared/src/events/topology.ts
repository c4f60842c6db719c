import { ALL_EVENT_TYPES, EventType, EventTypeName } from './event-types';

export const ServiceName = {
  ReferralIntake: 'referral-intake',
  Notifier: 'notifier',
  Outcomes: 'outcomes',
} as const;

export type ServiceNameValue = (typeof ServiceName)[keyof typeof ServiceName];

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
  [EventType.ReferralAccepted]: [ReferralIntake, Notifier, Outcomes],
  [EventType.ReferralDeclined]: [ReferralIntake, Notifier, Outcomes],
  [EventType.ReferralContacted]: [Outcomes],
  [EventType.SessionAttended]: [Outcomes],
  [EventType.SessionMissed]: [Outcomes],
  [EventType.ReferralCompleted]: [ReferralIntake, Outcomes],
  [EventType.ReferralClosed]: [ReferralIntake, Outcomes],
  [EventType.MeasureRecorded]: [Outcomes],
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
