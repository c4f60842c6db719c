import type { LifecycleEvent } from '@app/shared';

/** Who acted and on whom, as the lifecycle needs it: no patient data. */
export type LifecycleFacts = Pick<LifecycleEvent, 'actor' | 'reason' | 'linkWorkerId' | 'recipients'>;

/** One lifecycle event intake heard for a referral (stored by ReferralStore). */
export interface ReferralHistoryEvent {
  eventId: string;
  referralId: string;
  type: string;
  occurredAt: Date;
  facts: LifecycleFacts;
}
