import {
  EventEnvelope,
  EventPayloads,
  EventType,
  EventTypeName,
  MeasureRecordedPayload,
  OutcomeRecordedPayload,
  ReferralCancelledPayload,
  ReferralConsentWithdrawnPayload,
  ReferralOfferPayload,
  ReferralDecisionPayload,
  ReferralPerson,
  geographyOf,
  postcodeDistrict,
} from '@app/shared';
import { ageBand } from './demographics';

/**
 * What the event store keeps of each event: only what the lifecycle, feeds and reports need. Names, date of
 * birth, contact details, notes and free-text reasons never reach it; the NHS number is kept apart, encrypted.
 */
export interface ReceivedData {
  practiceOdsCode: string;
  pcnOdsCode: string | null;
  subIcbCode: string | null;
  icbCode: string | null;
  needs: string[];
  urgency: string;
  ageBand: string | null;
  sex: string | null;
  postcodeDistrict: string | null;
  receivedAt: string;
}

export interface RoutedData {
  linkWorkerId: string;
  pcnOdsCode: string | null;
  tasks: Array<{ recipientType: 'link-worker' | 'organisation'; recipientId: string }>;
}

export interface UnroutedData {
  reason: string;
  fallbackLinkWorkerId: string | null;
}

export interface NotificationData {
  recipientType: string;
  recipientId: string;
  channel: string;
  provider: string;
}

export type DecisionData = Pick<ReferralDecisionPayload, 'recipientType' | 'recipientId' | 'decidedAt'> & { organisationId: string | null; reason: string | null };
export type OutcomeData = Pick<OutcomeRecordedPayload, 'recordedBy' | 'occurredAt'> & { organisationId: string | null; reason: string | null };
export type MeasureData = MeasureRecordedPayload;
/** The free-text reason never reaches the store. */
export type CancelledData = Pick<ReferralCancelledPayload, 'reason' | 'cancelledAt' | 'by'>;
export type ConsentWithdrawnData = ReferralConsentWithdrawnPayload;
/** A hand-off: who now holds (or no longer holds) an offer, so the store folds "every offer declined" alike. */
export type OfferData = ReferralOfferPayload;

export type StoredData = ReceivedData | RoutedData | UnroutedData | NotificationData | DecisionData | OutcomeData | MeasureData | CancelledData | ConsentWithdrawnData | OfferData;

export interface StoredEvent {
  seq: number;
  eventId: string;
  type: EventTypeName;
  referralId: string;
  occurredAt: Date;
  data: StoredData;
}

export function storedDataOf(envelope: EventEnvelope, person: ReferralPerson | null = null): StoredData {
  switch (envelope.type) {
    case EventType.ReferralReceived: {
      const payload = envelope.payload as EventPayloads[typeof EventType.ReferralReceived];
      const receivedAt = payload.receivedAt ?? envelope.occurredAt;
      return {
        ...geographyOf(payload.practiceOdsCode),
        needs: payload.needs ?? [],
        urgency: payload.urgency ?? 'routine',
        ageBand: person?.patient.dateOfBirth ? ageBand(person.patient.dateOfBirth, new Date(receivedAt)) : null,
        sex: person?.patient.sex ?? null,
        // LSOA would need the ONS Postcode Directory, which we do not hold, so feeds carry the district only.
        postcodeDistrict: postcodeDistrict(person?.patient.postcode) ?? null,
        receivedAt,
      } satisfies ReceivedData;
    }
    case EventType.ReferralRouted: {
      const payload = envelope.payload as EventPayloads[typeof EventType.ReferralRouted];
      return {
        linkWorkerId: payload.linkWorkerId,
        pcnOdsCode: payload.pcnOdsCode ?? null,
        tasks: (payload.tasks ?? []).map((task) => ({ recipientType: task.recipientType, recipientId: task.recipientId })),
      } satisfies RoutedData;
    }
    case EventType.ReferralUnrouted: {
      const payload = envelope.payload as EventPayloads[typeof EventType.ReferralUnrouted];
      return { reason: payload.reason, fallbackLinkWorkerId: payload.fallbackLinkWorkerId ?? null } satisfies UnroutedData;
    }
    case EventType.NotificationSent:
    case EventType.NotificationDelivered:
    case EventType.NotificationFailed: {
      const payload = envelope.payload as EventPayloads[typeof EventType.NotificationSent];
      return { recipientType: payload.recipientType, recipientId: payload.recipientId, channel: payload.channel, provider: payload.provider } satisfies NotificationData;
    }
    case EventType.ReferralAccepted:
    case EventType.ReferralDeclined: {
      const payload = envelope.payload as ReferralDecisionPayload;
      return {
        recipientType: payload.recipientType,
        recipientId: payload.recipientId,
        decidedAt: payload.decidedAt,
        organisationId: payload.organisationId ?? (payload.recipientType === 'organisation' ? payload.recipientId : null),
        reason: payload.reason ?? null,
      } satisfies DecisionData;
    }
    case EventType.MeasureRecorded: {
      const payload = envelope.payload as MeasureRecordedPayload;
      return {
        measureId: payload.measureId,
        measure: payload.measure,
        timepoint: payload.timepoint,
        items: payload.items,
        score: payload.score,
        recordedAt: payload.recordedAt,
        recordedBy: payload.recordedBy,
      } satisfies MeasureData;
    }
    case EventType.ReferralCancelled: {
      const payload = envelope.payload as ReferralCancelledPayload;
      return { reason: payload.reason, cancelledAt: payload.cancelledAt, by: payload.by } satisfies CancelledData;
    }
    case EventType.ReferralConsentWithdrawn: {
      const payload = envelope.payload as ReferralConsentWithdrawnPayload;
      return { recordedAt: payload.recordedAt, by: payload.by } satisfies ConsentWithdrawnData;
    }
    case EventType.ReferralOffered:
    case EventType.ReferralOfferWithdrawn: {
      const payload = envelope.payload as ReferralOfferPayload;
      return { recipients: payload.recipients, by: payload.by, ...(payload.reason ? { reason: payload.reason } : {}) } satisfies OfferData;
    }
    default: {
      const payload = envelope.payload as OutcomeRecordedPayload;
      return {
        recordedBy: payload.recordedBy,
        occurredAt: payload.occurredAt,
        organisationId: payload.organisationId ?? null,
        reason: payload.reason ?? null,
      } satisfies OutcomeData;
    }
  }
}

/** The NHS number of a referral.received's person, the one identifier we keep (encrypted) to derive pseudonyms. */
export function nhsNumberOf(person: ReferralPerson | null): string | null {
  const nhsNumber = person?.patient.nhsNumber;
  return typeof nhsNumber === 'string' && nhsNumber.length > 0 ? nhsNumber.replace(/\s/g, '') : null;
}
