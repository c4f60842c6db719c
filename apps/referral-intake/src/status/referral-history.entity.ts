import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LifecycleEvent } from '@app/shared';

/** Who acted and on whom, as the lifecycle needs it: no patient data. */
export type LifecycleFacts = Pick<LifecycleEvent, 'actor' | 'reason' | 'linkWorkerId' | 'recipients'>;

/** One lifecycle event intake heard for a referral. */
@Entity({ schema: 'intake', name: 'referral_history' })
export class ReferralHistoryEvent {
  @PrimaryColumn('uuid', { name: 'event_id' })
  eventId: string;

  @Column('uuid', { name: 'referral_id' })
  referralId: string;

  @Column('text')
  type: string;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;

  @Column('jsonb')
  facts: LifecycleFacts;
}
