import fc from 'fast-check';
import { EventType, EventTypeName } from '@app/shared';
import { project, statusesOnlyTouchedBy } from './projector';
import { StoredData, StoredEvent } from './stored-event';

const referralId = '6f1c1e4e-8a8a-4d4b-9a57-3c1f0d4e2b10';
const linkWorker = '11111111-1111-4111-8111-111111111111';
const organisation = '22222222-2222-4222-8222-222222222222';
let seq = 0;

function event(type: EventTypeName, at: string, data: Partial<Record<string, unknown>> = {}): StoredEvent {
  seq += 1;
  return { seq, eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, type, referralId, occurredAt: new Date(at), data: data as StoredData };
}

const received = () =>
  event(EventType.ReferralReceived, '2026-11-02T09:00:00Z', {
    practiceOdsCode: 'A81001',
    pcnOdsCode: 'U81001',
    subIcbCode: '16C',
    icbCode: 'QHM',
    needs: ['loneliness'],
    urgency: 'routine',
    ageBand: '65-74',
    sex: 'female',
    postcodeDistrict: 'TS1',
    receivedAt: '2026-11-02T09:00:00Z',
  });
const recordedBy = { kind: 'organisation', id: organisation };
/** Received to closed, through an organisation's acceptance, contact and sessions. */
const wholeJourney = () => [
  received(),
  event(EventType.ReferralRouted, '2026-11-02T09:01:00Z', { linkWorkerId: linkWorker, tasks: [{ recipientType: 'organisation', recipientId: organisation }] }),
  event(EventType.ReferralAccepted, '2026-11-03T10:00:00Z', { recipientType: 'organisation', recipientId: organisation, decidedAt: '2026-11-03T10:00:00Z', organisationId: organisation }),
  event(EventType.ReferralContacted, '2026-11-04T10:00:00Z', { recordedBy, occurredAt: '2026-11-04T09:30:00Z' }),
  event(EventType.SessionAttended, '2026-11-10T10:00:00Z', { recordedBy, occurredAt: '2026-11-10T10:00:00Z' }),
  event(EventType.SessionMissed, '2026-11-17T10:00:00Z', { recordedBy, occurredAt: '2026-11-17T10:00:00Z' }),
  event(EventType.SessionAttended, '2026-11-24T10:00:00Z', { recordedBy, occurredAt: '2026-11-24T10:00:00Z' }),
  event(EventType.ReferralCompleted, '2026-12-01T10:00:00Z', { recordedBy, occurredAt: '2026-12-01T10:00:00Z' }),
  event(EventType.ReferralClosed, '2026-12-01T11:00:00Z', { recordedBy, occurredAt: '2026-12-01T11:00:00Z', reason: null }),
];

describe('the referral projection', () => {
  it('follows a whole journey and keeps its timings', () => {
    const { referral, anomalies } = project(referralId, wholeJourney());
    expect(anomalies).toEqual([]);
    expect(referral).toMatchObject({
      status: 'closed',
      sessionsAttended: 2,
      sessionsMissed: 1,
      closeReason: 'completed',
      firstContactAt: new Date('2026-11-04T09:30:00Z'),
      assignees: [`link-worker:${linkWorker}`, `organisation:${organisation}`],
      organisationIds: [organisation],
    });
  });

  it('records an impossible event as an anomaly and does not apply it', () => {
    const completedEarly = event(EventType.ReferralCompleted, '2026-11-02T10:00:00Z', { recordedBy, occurredAt: '2026-11-02T10:00:00Z' });
    const { referral, anomalies } = project(referralId, [received(), completedEarly]);
    expect(referral.status).toBe('received');
    expect(referral.completedAt).toBeNull();
    expect(anomalies).toEqual([{ eventId: completedEarly.eventId, eventType: EventType.ReferralCompleted, fromStatus: 'received', reason: expect.any(String) }]);
  });

  it('projects any arrival order of a whole journey as it projects the events in order', () => {
    const journeys = [
      wholeJourney(),
      [
        received(),
        event(EventType.ReferralRouted, '2026-11-02T09:01:00Z', { linkWorkerId: linkWorker, tasks: [{ recipientType: 'organisation', recipientId: organisation }] }),
        event(EventType.ReferralDeclined, '2026-11-03T09:00:00Z', { recipientType: 'organisation', recipientId: organisation, decidedAt: '2026-11-03T09:00:00Z', reason: 'no-capacity' }),
        event(EventType.ReferralDeclined, '2026-11-03T10:00:00Z', { recipientType: 'link-worker', recipientId: linkWorker, decidedAt: '2026-11-03T10:00:00Z', reason: 'not-eligible' }),
      ],
      [
        received(),
        event(EventType.ReferralRouted, '2026-11-02T09:01:00Z', { linkWorkerId: linkWorker, tasks: [] }),
        // Two events at the same instant: the shared order (type, then id) decides, never the arrival.
        event(EventType.ReferralAccepted, '2026-11-03T10:00:00Z', { recipientType: 'link-worker', recipientId: linkWorker, decidedAt: '2026-11-03T10:00:00Z' }),
        event(EventType.ReferralCancelled, '2026-11-03T10:00:00Z', { reason: 'patient-request' }),
      ],
    ];
    expect(journeys.map((journey) => project(referralId, journey).referral.status)).toEqual(['closed', 'declined', 'cancelled']);
    for (const journey of journeys) {
      const inOrder = project(referralId, journey);
      fc.assert(
        fc.property(fc.shuffledSubarray(journey, { minLength: journey.length, maxLength: journey.length }), (arrived) => {
          // The store numbers events as they arrive.
          const stored = arrived.map((stored, index) => ({ ...stored, seq: index + 1 }));
          const projection = project(referralId, stored);
          const byEvent = <T extends { eventId: string }>(list: T[]) => [...list].sort((a, b) => a.eventId.localeCompare(b.eventId));
          expect({ ...projection, anomalies: byEvent(projection.anomalies), measures: byEvent(projection.measures) }).toEqual({
            ...inOrder,
            anomalies: byEvent(inOrder.anomalies),
            measures: byEvent(inOrder.measures),
          });
        }),
        { numRuns: 200 },
      );
    }
  });

  it('settles to the same result whichever order the events arrived in', () => {
    const events = [received(), event(EventType.ReferralRouted, '2026-11-02T09:01:00Z', { linkWorkerId: linkWorker, tasks: [] })];
    const inOrder = project(referralId, events);
    const reversed = project(referralId, [...events].reverse().map((stored, index) => ({ ...stored, seq: index + 1 })));
    expect(reversed).toEqual(inOrder);
    expect(inOrder.referral.status).toBe('routed');
  });

  it('is declined once every recipient offered declined, and no organisation that declined records outcomes', () => {
    const routedAndDeclined = [
      received(),
      event(EventType.ReferralRouted, '2026-11-02T09:01:00Z', { linkWorkerId: linkWorker, tasks: [{ recipientType: 'organisation', recipientId: organisation }] }),
      event(EventType.ReferralDeclined, '2026-11-03T09:00:00Z', { recipientType: 'organisation', recipientId: organisation, decidedAt: '2026-11-03T09:00:00Z', reason: 'no-capacity' }),
    ];
    expect(project(referralId, routedAndDeclined).referral.status).toBe('routed');
    const { referral } = project(referralId, [
      ...routedAndDeclined,
      event(EventType.ReferralDeclined, '2026-11-03T10:00:00Z', { recipientType: 'link-worker', recipientId: linkWorker, decidedAt: '2026-11-03T10:00:00Z', reason: 'not-eligible' }),
    ]);
    expect(referral.status).toBe('declined');
    expect(referral.declineReason).toBe('not-eligible');
    expect(referral.assignees).toEqual([`link-worker:${linkWorker}`]);
  });

  it('refuses outcomes from an organisation that was offered the referral but did not accept it', () => {
    const other = '33333333-3333-4333-8333-333333333333';
    const closedByOther = event(EventType.ReferralClosed, '2026-11-05T10:00:00Z', { recordedBy: { kind: 'organisation', id: other }, occurredAt: '2026-11-05T10:00:00Z', reason: 'other' });
    const { referral, anomalies } = project(referralId, [
      received(),
      event(EventType.ReferralRouted, '2026-11-02T09:01:00Z', {
        linkWorkerId: linkWorker,
        tasks: [
          { recipientType: 'organisation', recipientId: organisation },
          { recipientType: 'organisation', recipientId: other },
        ],
      }),
      event(EventType.ReferralAccepted, '2026-11-03T10:00:00Z', { recipientType: 'organisation', recipientId: organisation, decidedAt: '2026-11-03T10:00:00Z', organisationId: organisation }),
      event(EventType.ReferralDeclined, '2026-11-03T11:00:00Z', { recipientType: 'organisation', recipientId: other, decidedAt: '2026-11-03T11:00:00Z', reason: 'no-capacity' }),
      closedByOther,
    ]);
    expect(referral.status).toBe('accepted');
    expect(referral.assignees).toEqual([`link-worker:${linkWorker}`, `organisation:${organisation}`]);
    expect(anomalies).toEqual([{ eventId: closedByOther.eventId, eventType: EventType.ReferralClosed, fromStatus: 'accepted', reason: expect.stringContaining('neither accepted') }]);
  });
});

describe('events that only touch the last-event time', () => {
  const routed = () => event(EventType.ReferralRouted, '2026-11-02T09:01:00Z', { linkWorkerId: linkWorker, tasks: [{ recipientType: 'organisation', recipientId: organisation }] });
  const histories: Array<[string, () => StoredEvent[]]> = [
    ['received', () => [received()]],
    ['routed', () => [received(), routed()]],
    ['accepted', () => [received(), routed(), event(EventType.ReferralAccepted, '2026-11-03T10:00:00Z', { recipientType: 'organisation', recipientId: organisation, decidedAt: '2026-11-03T10:00:00Z', organisationId: organisation })]],
    ['cancelled', () => [received(), routed(), event(EventType.ReferralCancelled, '2026-11-03T10:00:00Z', { reason: 'patient-request' })]],
    [
      'closed',
      () => [
        received(),
        routed(),
        event(EventType.ReferralAccepted, '2026-11-03T10:00:00Z', { recipientType: 'organisation', recipientId: organisation, decidedAt: '2026-11-03T10:00:00Z', organisationId: organisation }),
        event(EventType.ReferralClosed, '2026-11-04T11:00:00Z', { recordedBy, occurredAt: '2026-11-04T11:00:00Z', reason: 'declined-by-person' }),
      ],
    ],
  ];

  it.each(histories)('a later notification folded in after a %s referral equals its projection with only lastEventAt moved, whenever the status allows the shortcut', (_status, history) => {
    for (const type of [EventType.NotificationSent, EventType.NotificationDelivered, EventType.NotificationFailed]) {
      const before = project(referralId, history());
      const notification = event(type, '2026-12-20T10:00:00Z', { channel: 'email', recipientType: 'link-worker', recipientId: linkWorker });
      const after = project(referralId, [...history(), notification]);
      if (statusesOnlyTouchedBy(notification).includes(before.referral.status!)) {
        expect(after.anomalies).toEqual(before.anomalies);
        expect(after.referral).toEqual({ ...before.referral, lastEventAt: notification.occurredAt });
      } else {
        // The full fold reports it (an anomaly): the shortcut must not be taken.
        expect(after.anomalies.map((anomaly) => anomaly.eventId)).toContain(notification.eventId);
      }
    }
  });

  it('lets notifications take the shortcut from live statuses, and no other kind of event', () => {
    const sent = event(EventType.NotificationSent, '2026-12-20T10:00:00Z');
    expect(statusesOnlyTouchedBy(sent)).toEqual(expect.arrayContaining(['received', 'routed', 'accepted', 'cancelled']));
    expect(statusesOnlyTouchedBy(sent)).not.toContain('closed');
    expect(statusesOnlyTouchedBy(event(EventType.ReferralAccepted, '2026-12-20T10:00:00Z'))).toEqual([]);
    expect(statusesOnlyTouchedBy(event(EventType.SessionAttended, '2026-12-20T10:00:00Z'))).toEqual([]);
  });
});
