import { EventType } from '../events/event-types';
import { Actor, LifecycleEvent, Recipient } from './referral-lifecycle';

/** An event as a service holds it: the envelope, or a stored copy keeping the payload's field names. */
export interface HistoryEntry {
  id: string;
  type: string;
  occurredAt: Date | string;
  payload: unknown;
}

type Loose = {
  linkWorkerId?: string | null;
  fallbackLinkWorkerId?: string | null;
  tasks?: Array<{ recipientType: Recipient['kind']; recipientId: string }>;
  recipients?: Array<{ recipientType: Recipient['kind']; recipientId: string }>;
  recipientType?: Recipient['kind'];
  recipientId?: string;
  recordedBy?: Recipient;
  by?: Actor;
  reason?: string | null;
};

const recipientOf = (task: { recipientType: Recipient['kind']; recipientId: string }): Recipient => ({ kind: task.recipientType, id: task.recipientId });

function actorOf(type: string, payload: Loose): Actor {
  switch (type) {
    case EventType.ReferralReceived:
    case EventType.ReferralCancelled:
      return { kind: 'sender' };
    case EventType.ReferralRouted:
    case EventType.ReferralUnrouted:
      return { kind: 'routing' };
    case EventType.NotificationSent:
    case EventType.NotificationDelivered:
    case EventType.NotificationFailed:
      return { kind: 'system' };
    case EventType.ReferralAccepted:
    case EventType.ReferralDeclined:
      return payload.recipientType && payload.recipientId ? { kind: payload.recipientType, id: payload.recipientId } : { kind: 'system' };
    case EventType.ReferralConsentWithdrawn:
    case EventType.ReferralOffered:
    case EventType.ReferralOfferWithdrawn:
      return payload.by ?? { kind: 'system' };
    default:
      return payload.recordedBy ? { kind: payload.recordedBy.kind, id: payload.recordedBy.id } : { kind: 'system' };
  }
}

/** What the lifecycle needs of an event, taken from its payload. */
export function lifecycleEventOf(entry: HistoryEntry): LifecycleEvent {
  const payload = (entry.payload ?? {}) as Loose;
  const event: LifecycleEvent = {
    id: entry.id,
    type: entry.type,
    occurredAt: entry.occurredAt instanceof Date ? entry.occurredAt : new Date(entry.occurredAt),
    actor: actorOf(entry.type, payload),
  };
  if (payload.reason) event.reason = payload.reason;
  if (entry.type === EventType.ReferralRouted) {
    if (payload.linkWorkerId) event.linkWorkerId = payload.linkWorkerId;
    event.recipients = (payload.tasks ?? []).map(recipientOf);
  }
  if (entry.type === EventType.ReferralUnrouted && payload.fallbackLinkWorkerId) event.linkWorkerId = payload.fallbackLinkWorkerId;
  if (entry.type === EventType.ReferralOffered || entry.type === EventType.ReferralOfferWithdrawn) event.recipients = (payload.recipients ?? []).map(recipientOf);
  return event;
}
