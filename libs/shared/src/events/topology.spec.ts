import { ALL_EVENT_TYPES, EventType } from './event-types';
import { ServiceName, eventQueueName, eventsConsumedBy, subscribersOf } from './topology';

describe('event topology', () => {
  it('delivers every event type to outcomes, which keeps the whole lifecycle', () => {
    for (const type of ALL_EVENT_TYPES) expect(subscribersOf(type)).toContain(ServiceName.Outcomes);
  });

  it('fans referral.received out to the notifier and outcomes but not back to intake', () => {
    expect([...subscribersOf(EventType.ReferralReceived)].sort()).toEqual([ServiceName.Notifier, ServiceName.Outcomes]);
  });

  it('tells intake about every event that can move the status the GP must hear of', () => {
    expect(eventsConsumedBy(ServiceName.ReferralIntake).sort()).toEqual(
      [
        EventType.ReferralRouted,
        EventType.ReferralUnrouted,
        EventType.ReferralAccepted,
        EventType.ReferralDeclined,
        EventType.ReferralContacted,
        EventType.SessionAttended,
        EventType.SessionMissed,
        EventType.ReferralCompleted,
        EventType.ReferralClosed,
        EventType.ReferralCancelled,
        EventType.ReferralConsentWithdrawn,
        EventType.ReferralOffered,
        EventType.ReferralOfferWithdrawn,
      ].sort(),
    );
  });

  it('tells every service when the GP cancels or the person withdraws consent', () => {
    for (const type of [EventType.ReferralCancelled, EventType.ReferralConsentWithdrawn]) {
      expect([...subscribersOf(type)].sort()).toEqual([ServiceName.Notifier, ServiceName.Outcomes, ServiceName.ReferralIntake]);
    }
  });

  it('has no subscribers for an unknown type', () => {
    expect(subscribersOf('referral.teleported')).toEqual([]);
  });

  it('gives each service a queue of its own', () => {
    expect(new Set(Object.values(ServiceName).map(eventQueueName)).size).toBe(3);
  });
});
