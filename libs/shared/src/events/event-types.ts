/**
 * Every event that crosses a service boundary. Names are string constants: they are the wire format,
 * so renaming a class never changes what is on a queue.
 */
export const EventType = {
  ReferralReceived: 'referral.received',
  ReferralRouted: 'referral.routed',
  ReferralUnrouted: 'referral.unrouted',
  NotificationSent: 'notification.sent',
  NotificationDelivered: 'notification.delivered',
  NotificationFailed: 'notification.failed',
  ReferralAccepted: 'referral.accepted',
  ReferralDeclined: 'referral.declined',
  ReferralContacted: 'referral.contacted',
  SessionAttended: 'referral.session-attended',
  SessionMissed: 'referral.did-not-attend',
  ReferralCompleted: 'referral.completed',
  ReferralClosed: 'referral.closed',
  MeasureRecorded: 'referral.measure-recorded',
} as const;

export type EventTypeName = (typeof EventType)[keyof typeof EventType];

export const ALL_EVENT_TYPES: readonly EventTypeName[] = Object.values(EventType);

/** Urgency as GP systems send it (FHIR ServiceRequest.priority). */
export type ReferralUrgency = 'routine' | 'urgent' | 'asap';

/**
 * The referral as other services see it. Identifiable patient fields travel only inside our own
 * services' queues (never in logs or feeds), because the notifier must address the task and outcomes
 * must derive pseudonyms, age bands and districts.
 */
export interface ReferralReceivedPayload {
  practiceOdsCode: string;
  needs: string[];
  urgency: ReferralUrgency;
  consentToShare: true;
  preferredOrganisationId?: string;
  patient: {
    nhsNumber: string;
    givenName: string;
    familyName: string;
    dateOfBirth: string;
    sex?: 'female' | 'male' | 'other' | 'unknown';
    postcode?: string;
    phone?: string;
    email?: string;
  };
  referrer?: { name?: string; professionalRole?: string };
  senderId?: string;
  receivedAt: string;
}

export interface RoutingTask {
  recipientType: 'link-worker' | 'organisation';
  recipientId: string;
  reason: string;
}

export interface ReferralRoutedPayload {
  linkWorkerId: string;
  pcnOdsCode?: string;
  tasks: RoutingTask[];
}

export interface ReferralUnroutedPayload {
  reason: string;
  pcnOdsCode?: string;
  fallbackLinkWorkerId?: string;
}

export type NotificationChannel = 'email' | 'sms';

export interface NotificationPayload {
  notificationId: string;
  recipientType: 'link-worker' | 'organisation';
  recipientId: string;
  channel: NotificationChannel;
  provider: string;
  providerMessageId?: string;
  attempts?: number;
  error?: string;
}

export interface ReferralDecisionPayload {
  recipientType: 'link-worker' | 'organisation';
  recipientId: string;
  organisationId?: string;
  decidedAt: string;
  reason?: string;
  reasonText?: string;
}

/** An outcome recorded by an organisation or link worker: contact, sessions, completion, closure. */
export interface OutcomeRecordedPayload {
  recordedBy: { kind: 'organisation' | 'link-worker'; id: string };
  occurredAt: string;
  organisationId?: string;
  reason?: string;
}

export type WellbeingMeasure = 'ONS4' | 'SWEMWBS' | 'UCLA3';

export interface MeasureRecordedPayload {
  measureId: string;
  measure: WellbeingMeasure;
  timepoint: 'start' | 'end';
  items: number[];
  score: Record<string, number>;
  recordedAt: string;
  recordedBy: { kind: 'organisation' | 'link-worker'; id: string };
}

export interface EventPayloads {
  [EventType.ReferralReceived]: ReferralReceivedPayload;
  [EventType.ReferralRouted]: ReferralRoutedPayload;
  [EventType.ReferralUnrouted]: ReferralUnroutedPayload;
  [EventType.NotificationSent]: NotificationPayload;
  [EventType.NotificationDelivered]: NotificationPayload;
  [EventType.NotificationFailed]: NotificationPayload;
  [EventType.ReferralAccepted]: ReferralDecisionPayload;
  [EventType.ReferralDeclined]: ReferralDecisionPayload;
  [EventType.ReferralContacted]: OutcomeRecordedPayload;
  [EventType.SessionAttended]: OutcomeRecordedPayload;
  [EventType.SessionMissed]: OutcomeRecordedPayload;
  [EventType.ReferralCompleted]: OutcomeRecordedPayload;
  [EventType.ReferralClosed]: OutcomeRecordedPayload;
  [EventType.MeasureRecorded]: MeasureRecordedPayload;
}

/** Contract version per event type; bump when a payload changes incompatibly. */
export const EVENT_VERSIONS: Record<EventTypeName, number> = Object.fromEntries(
  ALL_EVENT_TYPES.map((type) => [type, 1]),
) as Record<EventTypeName, number>;
