import { EventType, EventTypeName } from '@app/shared';
import type { ReferralStatus } from '../referrals/referral.entity';

/** The events from other services that change what the sender should see, and the status each means. */
export const STATUS_EVENTS = {
  [EventType.ReferralRouted]: 'routed',
  [EventType.ReferralUnrouted]: 'unrouted',
  [EventType.ReferralAccepted]: 'accepted',
  [EventType.ReferralDeclined]: 'declined',
  [EventType.ReferralCompleted]: 'completed',
  [EventType.ReferralClosed]: 'closed',
} as const satisfies Partial<Record<EventTypeName, ReferralStatus>>;

export type StatusEventType = keyof typeof STATUS_EVENTS;

const RANK: Record<ReferralStatus, number> = { received: 0, routed: 1, unrouted: 1, accepted: 2, declined: 2, completed: 3, closed: 4 };

/**
 * Events may arrive out of order (retries, separate queues): a status only moves forward, so a late
 * "routed" never hides an "accepted". Equal rank may change (declined by one, accepted by another).
 */
export function nextStatus(current: ReferralStatus, incoming: ReferralStatus): ReferralStatus | undefined {
  if (current === incoming) return undefined;
  return RANK[incoming] >= RANK[current] ? incoming : undefined;
}
