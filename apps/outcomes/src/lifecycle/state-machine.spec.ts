import { EventType, EventTypeName } from '@app/shared';
import { ReferralStatusValue, transition } from './state-machine';

describe('the referral state machine', () => {
  it.each<[ReferralStatusValue | null, EventTypeName, ReferralStatusValue]>([
    [null, EventType.ReferralReceived, 'received'],
    ['received', EventType.ReferralRouted, 'routed'],
    ['received', EventType.ReferralUnrouted, 'unrouted'],
    ['unrouted', EventType.ReferralRouted, 'routed'],
    ['routed', EventType.NotificationSent, 'routed'],
    ['routed', EventType.NotificationFailed, 'routed'],
    ['routed', EventType.ReferralAccepted, 'accepted'],
    ['unrouted', EventType.ReferralAccepted, 'accepted'],
    ['routed', EventType.ReferralDeclined, 'declined'],
    ['declined', EventType.ReferralAccepted, 'accepted'],
    ['accepted', EventType.ReferralDeclined, 'accepted'],
    ['accepted', EventType.ReferralContacted, 'contacted'],
    ['contacted', EventType.ReferralContacted, 'contacted'],
    ['contacted', EventType.SessionAttended, 'in-progress'],
    ['contacted', EventType.SessionMissed, 'in-progress'],
    ['in-progress', EventType.SessionAttended, 'in-progress'],
    ['in-progress', EventType.ReferralCompleted, 'completed'],
    ['contacted', EventType.ReferralCompleted, 'completed'],
    ['accepted', EventType.MeasureRecorded, 'accepted'],
    ['completed', EventType.MeasureRecorded, 'completed'],
    ['completed', EventType.ReferralClosed, 'closed'],
    ['completed', EventType.NotificationSent, 'completed'],
  ])('%s + %s → %s', (from, type, to) => {
    expect(transition(from, { type, reason: undefined })).toEqual({ allowed: true, status: to });
  });

  it.each<[ReferralStatusValue, string]>([
    ['routed', 'no-longer-interested'],
    ['declined', 'no-capacity'],
    ['in-progress', 'could-not-contact'],
  ])('closes a %s referral only with a reason (%s)', (from, reason) => {
    expect(transition(from, { type: EventType.ReferralClosed })).toEqual({ allowed: false, reason: expect.stringContaining('reason') });
    expect(transition(from, { type: EventType.ReferralClosed, reason })).toEqual({ allowed: true, status: 'closed' });
  });

  it.each<[ReferralStatusValue | null, EventTypeName]>([
    [null, EventType.ReferralRouted],
    [null, EventType.ReferralCompleted],
    ['received', EventType.ReferralReceived],
    ['received', EventType.ReferralContacted],
    ['routed', EventType.ReferralContacted],
    ['routed', EventType.SessionAttended],
    ['accepted', EventType.SessionAttended],
    ['accepted', EventType.ReferralCompleted],
    ['routed', EventType.MeasureRecorded],
    ['declined', EventType.ReferralContacted],
    ['completed', EventType.SessionAttended],
    ['closed', EventType.ReferralContacted],
    ['closed', EventType.ReferralClosed],
    ['closed', EventType.MeasureRecorded],
    ['closed', EventType.NotificationSent],
  ])('refuses %s + %s', (from, type) => {
    const result = transition(from, { type, reason: 'other' });
    expect(result.allowed).toBe(false);
  });
});
