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
  ReferralCancelled: 'referral.cancelled',
  ReferralConsentWithdrawn: 'referral.consent-withdrawn',
  ReferralOffered: 'referral.offered',
  ReferralOfferWithdrawn: 'referral.offer-withdrawn',
} as const;

export type EventTypeName = (typeof EventType)[keyof typeof EventType];

export const ALL_EVENT_TYPES: readonly EventTypeName[] = Object.values(EventType);

/** Urgency as GP systems send it (FHIR ServiceRequest.priority). */
export type ReferralUrgency = 'routine' | 'urgent' | 'asap';

export const PREFERRED_CONTACT_METHODS = ['phone', 'text', 'email'] as const;
export type PreferredContactMethod = (typeof PREFERRED_CONTACT_METHODS)[number];

/**
 * Who the referral is about, and what the GP wrote: identifiable, so it never travels in clear. Intake seals
 * it into referral.received (sealReferralPerson); only services holding EVENT_SEALING_KEY open it
 * (openReferralPerson): the notifier to address and show the referral, outcomes to derive pseudonyms, age
 * bands and districts. Outboxes, Redis, dead letters and logs only ever see the sealed form.
 */
export interface ReferralPerson {
  patient: {
    nhsNumber: string;
    givenName: string;
    familyName: string;
    dateOfBirth: string;
    sex?: 'female' | 'male' | 'other' | 'unknown';
    postcode?: string;
    phone?: string;
    email?: string;
    /** How the person asked to be contacted, when the GP recorded it. */
    preferredContactMethod?: PreferredContactMethod;
  };
  referrer?: { name?: string; professionalRole?: string };
  /** The GP's notes for the link worker (who the person is, what matters to them). Shown only to the link worker. */
  notes?: string;
}

/** The referral as other services see it: the facts for routing and reporting, and the person sealed. */
export interface ReferralReceivedPayload {
  practiceOdsCode: string;
  needs: string[];
  urgency: ReferralUrgency;
  consentToShare: true;
  preferredOrganisationId?: string;
  /** The ReferralPerson, sealed for this referral (see ReferralPerson). */
  sealedPerson: string;
  senderId?: string;
  receivedAt: string;
}

export interface RoutingTask {
  recipientType: 'link-worker' | 'organisation';
  recipientId: string;
  reason: string;
  /** For an organisation: the referral's needs it meets (what it is offered the referral for). */
  needs?: string[];
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

/** The GP system cancelled the referral before it was completed (FHIR Task/ServiceRequest revoked). */
export interface ReferralCancelledPayload {
  /** A reason code, e.g. FHIR Task.statusReason. */
  reason: string;
  /** Free text from the GP system, if any; never copied to feeds. */
  reasonText?: string;
  cancelledAt: string;
  by: { kind: 'sender'; senderId?: string };
}

/** The person withdrew their consent to share: every service stops acting on the referral. */
export interface ReferralConsentWithdrawnPayload {
  recordedAt: string;
  by: { kind: 'sender'; senderId?: string } | { kind: 'organisation' | 'link-worker'; id: string };
}

/**
 * The link worker handed the referral to more organisations (referral.offered), or offers were taken back
 * (referral.offer-withdrawn: removed by the link worker, no longer needed once another organisation accepted,
 * or the referral ended). They change who may accept, and so when "every offer declined" is reached.
 */
export interface ReferralOfferPayload {
  recipients: Array<{ recipientType: 'link-worker' | 'organisation'; recipientId: string }>;
  /** The link worker who handed off or removed, or the notifier's routing taking back offers no longer needed. */
  by: { kind: 'link-worker'; id: string } | { kind: 'routing' };
  reason?: string;
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
  [EventType.ReferralCancelled]: ReferralCancelledPayload;
  [EventType.ReferralConsentWithdrawn]: ReferralConsentWithdrawnPayload;
  [EventType.ReferralOffered]: ReferralOfferPayload;
  [EventType.ReferralOfferWithdrawn]: ReferralOfferPayload;
}

/** Contract version per event type; bump when a payload changes incompatibly. */
export const EVENT_VERSIONS: Record<EventTypeName, number> = {
  ...(Object.fromEntries(ALL_EVENT_TYPES.map((type) => [type, 1])) as Record<EventTypeName, number>),
  // 2: the person and the GP's notes travel sealed (sealedPerson) instead of in clear.
  [EventType.ReferralReceived]: 2,
};
