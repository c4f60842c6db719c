import { Actor, LifecycleState, Offer, ReferralStatusValue, applyLifecycleEvent } from '@app/shared';
import type { TaskStatus } from './task.entity';

/**
 * The shared lifecycle's state as the notifier holds it: the case's status and link worker, and one offer
 * per task. Routing always gives the link worker a task, so these are the offers intake and outcomes fold.
 */
export function lifecycleStateOf(
  referral: { status: string; linkWorkerId: string | null },
  tasks: ReadonlyArray<{ recipientType: 'link-worker' | 'organisation'; recipientId: string; status: TaskStatus }>,
): LifecycleState {
  const offers: Offer[] = tasks.map((task) => ({ recipient: { kind: task.recipientType, id: task.recipientId }, state: task.status }));
  if (referral.linkWorkerId && !offers.some((offer) => offer.recipient.kind === 'link-worker' && offer.recipient.id === referral.linkWorkerId)) {
    offers.unshift({ recipient: { kind: 'link-worker', id: referral.linkWorkerId }, state: 'open' });
  }
  return { status: referral.status as ReferralStatusValue, statusReason: null, linkWorkerId: referral.linkWorkerId, offers };
}

/** The status after an event by this actor, or why the shared lifecycle refuses it. */
export function transition(state: LifecycleState, event: { type: string; actor: Actor; reason?: string }): { allowed: true; status: ReferralStatusValue } | { allowed: false; reason: string } {
  const step = applyLifecycleEvent(state, { ...event, id: '', occurredAt: new Date(0), ...(event.reason ? { reason: event.reason } : {}) });
  return step.allowed ? { allowed: true, status: step.state.status as ReferralStatusValue } : { allowed: false, reason: step.reason };
}
