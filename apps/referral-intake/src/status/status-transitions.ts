import { EventEnvelope, EventType, FoldedLifecycle, LifecycleEvent, ServiceName, eventsConsumedBy, foldLifecycle, lifecycleEventOf } from '@app/shared';
import type { LifecycleFacts, ReferralHistoryEvent } from './referral-history';

/**
 * The events from other services that can move the status the sender sees: those the topology routes to
 * intake (its spec pins the list). Intake keeps each one's lifecycle facts and folds the referral's whole
 * history through the shared lifecycle, so it reports the status outcomes and the notifier report, whatever
 * order the events arrived in.
 */
export const STATUS_EVENTS = eventsConsumedBy(ServiceName.ReferralIntake);

export type StatusEventType = (typeof STATUS_EVENTS)[number];

/** What intake stores of an event: who acted and on whom, never the payload's free text. */
export function historyFactsOf(envelope: EventEnvelope): LifecycleFacts {
  const { actor, reason, linkWorkerId, recipients } = lifecycleEventOf(envelope);
  return { actor, ...(reason ? { reason } : {}), ...(linkWorkerId ? { linkWorkerId } : {}), ...(recipients ? { recipients } : {}) };
}

/** The referral's lifecycle: its receipt (intake's own record) and every event heard since. Pure. */
export function referralLifecycle(referral: { id: string; receivedAt: Date }, history: Pick<ReferralHistoryEvent, 'eventId' | 'type' | 'occurredAt' | 'facts'>[]): FoldedLifecycle {
  const received: LifecycleEvent = { id: referral.id, type: EventType.ReferralReceived, occurredAt: referral.receivedAt, actor: { kind: 'sender' } };
  return foldLifecycle([received, ...history.map((row) => ({ id: row.eventId, type: row.type, occurredAt: row.occurredAt, ...row.facts }))]);
}
