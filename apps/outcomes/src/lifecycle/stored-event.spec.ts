import { EventEnvelope, EventType, EventTypeName, ReferralPerson } from '@app/shared';
import { StoredData, nhsNumberOf, storedDataOf } from './stored-event';

const LINK_WORKER = '62fb7cc0-9cce-53eb-a31b-a2766357496b';
const ORGANISATION = 'b1946ac9-2fbd-4b35-9f1a-3c5f8a0e1d2c';
const BY_LINK_WORKER = { kind: 'link-worker', id: LINK_WORKER } as const;

function envelope(type: EventTypeName, payload: object, occurredAt = '2026-11-24T10:00:00.000Z'): EventEnvelope {
  return { id: 'e-1', type, version: 1, occurredAt, referralId: 'r-1', correlationId: 'c-1', source: 'test', payload } as EventEnvelope;
}

const PERSON: ReferralPerson = {
  patient: {
    nhsNumber: '943 476 5919',
    givenName: 'Margaret',
    familyName: 'Oyelaran',
    dateOfBirth: '1948-02-11',
    sex: 'female',
    postcode: 'ts1 3qy',
    phone: '07700900999',
    email: 'm@example.com',
  },
  referrer: { name: 'Dr A Khan', professionalRole: 'GP' },
  notes: 'Recently bereaved; lives alone.',
};

const RECEIVED = { practiceOdsCode: 'A81001', needs: ['loneliness'], urgency: 'urgent', consentToShare: true, sealedPerson: 's2.sealed', receivedAt: '2026-11-24T09:59:00.000Z' };

describe('storedDataOf', () => {
  it('keeps of referral.received only the place, needs, urgency and banded demographics', () => {
    expect(storedDataOf(envelope(EventType.ReferralReceived, RECEIVED), PERSON)).toEqual({
      practiceOdsCode: 'A81001',
      pcnOdsCode: 'U81001',
      subIcbCode: '16C',
      icbCode: 'QHM',
      needs: ['loneliness'],
      urgency: 'urgent',
      ageBand: '75-84',
      sex: 'female',
      postcodeDistrict: 'TS1',
      receivedAt: '2026-11-24T09:59:00.000Z',
    });
  });

  it('never stores a name, date of birth, contact detail, NHS number, referrer or notes', () => {
    const stored = JSON.stringify(storedDataOf(envelope(EventType.ReferralReceived, RECEIVED), PERSON));
    for (const identifying of ['Margaret', 'Oyelaran', '1948', '07700900999', 'm@example.com', '943 476 5919', '9434765919', 'Khan', 'bereaved', '3QY', 's2.sealed']) {
      expect(stored).not.toContain(identifying);
    }
  });

  it('stores a referral.received without its person (sealed for another key) with empty demographics', () => {
    expect(storedDataOf(envelope(EventType.ReferralReceived, RECEIVED))).toMatchObject({ ageBand: null, sex: null, postcodeDistrict: null, needs: ['loneliness'] });
  });

  it('fills what an older referral.received left out: receivedAt from the envelope, routine urgency, no needs; an unknown practice keeps only its code', () => {
    expect(storedDataOf(envelope(EventType.ReferralReceived, { practiceOdsCode: 'Z99999' }, '2026-11-20T08:00:00.000Z'))).toEqual({
      practiceOdsCode: 'Z99999',
      pcnOdsCode: null,
      subIcbCode: null,
      icbCode: null,
      needs: [],
      urgency: 'routine',
      ageBand: null,
      sex: null,
      postcodeDistrict: null,
      receivedAt: '2026-11-20T08:00:00.000Z',
    });
  });

  it('bands the age at the date the referral was received, not today', () => {
    const person = { ...PERSON, patient: { ...PERSON.patient, dateOfBirth: '2008-11-25' } };
    expect(storedDataOf(envelope(EventType.ReferralReceived, { ...RECEIVED, receivedAt: '2026-11-24T09:00:00.000Z' }), person)).toMatchObject({ ageBand: '0-17' });
    expect(storedDataOf(envelope(EventType.ReferralReceived, { ...RECEIVED, receivedAt: '2026-11-25T09:00:00.000Z' }), person)).toMatchObject({ ageBand: '18-24' });
  });

  it.each<[string, EventTypeName, object, StoredData]>([
    [
      'routing: the link worker, PCN and who got a task (not why)',
      EventType.ReferralRouted,
      { linkWorkerId: LINK_WORKER, pcnOdsCode: 'U81001', tasks: [{ recipientType: 'organisation', recipientId: ORGANISATION, reason: 'meets-need', needs: ['loneliness'] }] },
      { linkWorkerId: LINK_WORKER, pcnOdsCode: 'U81001', tasks: [{ recipientType: 'organisation', recipientId: ORGANISATION }] },
    ],
    ['routing without a PCN or tasks', EventType.ReferralRouted, { linkWorkerId: LINK_WORKER }, { linkWorkerId: LINK_WORKER, pcnOdsCode: null, tasks: [] }],
    ['an unrouted referral', EventType.ReferralUnrouted, { reason: 'no-link-worker', pcnOdsCode: 'U81001' }, { reason: 'no-link-worker', fallbackLinkWorkerId: null }],
    [
      'a notification: who, which channel and provider (not the address or error)',
      EventType.NotificationFailed,
      { notificationId: 'n-1', recipientType: 'link-worker', recipientId: LINK_WORKER, channel: 'sms', provider: 'notify', providerMessageId: 'p-1', attempts: 3, error: 'to 07700900999 failed' },
      { recipientType: 'link-worker', recipientId: LINK_WORKER, channel: 'sms', provider: 'notify' },
    ],
    [
      "an organisation's decline: its reason code, never its free text",
      EventType.ReferralDeclined,
      { recipientType: 'organisation', recipientId: ORGANISATION, decidedAt: '2026-11-24T11:00:00.000Z', reason: 'no-capacity', reasonText: 'Margaret is on our waiting list' },
      { recipientType: 'organisation', recipientId: ORGANISATION, decidedAt: '2026-11-24T11:00:00.000Z', organisationId: ORGANISATION, reason: 'no-capacity' },
    ],
    [
      "a link worker's acceptance, for no organisation",
      EventType.ReferralAccepted,
      { recipientType: 'link-worker', recipientId: LINK_WORKER, decidedAt: '2026-11-24T11:00:00.000Z' },
      { recipientType: 'link-worker', recipientId: LINK_WORKER, decidedAt: '2026-11-24T11:00:00.000Z', organisationId: null, reason: null },
    ],
    [
      'an outcome',
      EventType.ReferralClosed,
      { recordedBy: BY_LINK_WORKER, occurredAt: '2026-11-30T10:00:00.000Z', organisationId: ORGANISATION, reason: 'completed' },
      { recordedBy: BY_LINK_WORKER, occurredAt: '2026-11-30T10:00:00.000Z', organisationId: ORGANISATION, reason: 'completed' },
    ],
    ['an outcome without organisation or reason', EventType.SessionAttended, { recordedBy: BY_LINK_WORKER, occurredAt: '2026-11-30T10:00:00.000Z' }, { recordedBy: BY_LINK_WORKER, occurredAt: '2026-11-30T10:00:00.000Z', organisationId: null, reason: null }],
    [
      'a measure, as recorded',
      EventType.MeasureRecorded,
      { measureId: 'm-1', measure: 'UCLA3', timepoint: 'start', items: [2, 3, 2], score: { total: 7 }, recordedAt: '2026-11-24', recordedBy: BY_LINK_WORKER },
      { measureId: 'm-1', measure: 'UCLA3', timepoint: 'start', items: [2, 3, 2], score: { total: 7 }, recordedAt: '2026-11-24', recordedBy: BY_LINK_WORKER },
    ],
    [
      "a cancellation: the reason code, never the GP system's free text",
      EventType.ReferralCancelled,
      { reason: 'entered-in-error', reasonText: 'Wrong patient: Margaret O.', cancelledAt: '2026-11-24T12:00:00.000Z', by: { kind: 'sender', senderId: 's-1' } },
      { reason: 'entered-in-error', cancelledAt: '2026-11-24T12:00:00.000Z', by: { kind: 'sender', senderId: 's-1' } },
    ],
    ['a withdrawal of consent', EventType.ReferralConsentWithdrawn, { recordedAt: '2026-11-24T12:00:00.000Z', by: BY_LINK_WORKER }, { recordedAt: '2026-11-24T12:00:00.000Z', by: BY_LINK_WORKER }],
    [
      'a hand-off with its reason',
      EventType.ReferralOfferWithdrawn,
      { recipients: [{ recipientType: 'organisation', recipientId: ORGANISATION }], by: { kind: 'routing' }, reason: 'accepted-elsewhere' },
      { recipients: [{ recipientType: 'organisation', recipientId: ORGANISATION }], by: { kind: 'routing' }, reason: 'accepted-elsewhere' },
    ],
    [
      'a hand-off without a reason',
      EventType.ReferralOffered,
      { recipients: [{ recipientType: 'organisation', recipientId: ORGANISATION }], by: BY_LINK_WORKER },
      { recipients: [{ recipientType: 'organisation', recipientId: ORGANISATION }], by: BY_LINK_WORKER },
    ],
  ])('keeps of %s what the lifecycle and feeds need', (_case, type, payload, stored) => {
    expect(storedDataOf(envelope(type, payload))).toEqual(stored);
  });
});

describe('nhsNumberOf', () => {
  it.each<[string, ReferralPerson | null, string | null]>([
    ['spaces taken out', PERSON, '9434765919'],
    ['no person', null, null],
    ['an empty number', { ...PERSON, patient: { ...PERSON.patient, nhsNumber: '' } }, null],
  ])('reads the NHS number with %s', (_case, person, nhsNumber) => {
    expect(nhsNumberOf(person)).toBe(nhsNumber);
  });
});
