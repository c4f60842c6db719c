import { EventEnvelope, EventPayloads, EventType, EventTypeName, MeasureRecordedPayload, OutcomeRecordedPayload, ReferralDecisionPayload } from '@app/shared';
import { ageBand, postcodeDistrict } from './demographics';
import { geographyOf } from './geography';

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

export type StoredData = ReceivedData | RoutedData | UnroutedData | NotificationData | DecisionData | OutcomeData | MeasureData;

export interface StoredEvent {
  seq: number;
  eventId: string;
  type: EventTypeName;
  referralId: string;
  occurredAt: Date;
  data: StoredData;
}

export function storedDataOf(envelope: EventEnvelope): StoredData {
  switch (envelope.type) {
    case EventType.ReferralReceived: {
      const payload = envelope.payload as EventPayloads[typeof EventType.ReferralReceived];
      const receivedAt = payload.receivedAt ?? envelope.occurredAt;
      return {
        ...geographyOf(payload.practiceOdsCode),
        needs: payload.needs ?? [],
        urgency: payload.urgency ?? 'routine',
        ageBand: payload.patient?.dateOfBirth ? ageBand(payload.patient.dateOfBirth, new Date(receivedAt)) : null,
        sex: payload.patient?.sex ?? null,
        postcodeDistrict: postcodeDistrict(payload.patient?.postcode),
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

/** The NHS number a referral.received carries, the one identifier we keep (encrypted) to derive pseudonyms. */
export function nhsNumberOf(envelope: EventEnvelope): string | null {
  if (envelope.type !== EventType.ReferralReceived) return null;
  const nhsNumber = (envelope.payload as EventPayloads[typeof EventType.ReferralReceived]).patient?.nhsNumber;
  return typeof nhsNumber === 'string' && nhsNumber.length > 0 ? nhsNumber.replace(/\s/g, '') : null;
}
