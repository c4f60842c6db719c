import { EventEnvelope, EventType, FoldedLifecycle, LifecycleEvent, foldLifecycle, lifecycleEventOf } from '@app/shared';
import type { LifecycleFacts, ReferralHistoryEvent } from './referral-history';

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
