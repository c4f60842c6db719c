import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ReferralReceivedPayload, ReferralUrgency } from '@app/shared';

export type ReferralStatus = 'received' | 'routed' | 'unrouted' | 'accepted' | 'declined' | 'completed' | 'closed';

/** A referral as received from a GP system. Identifiable: only intake and its sender read it back. */
@Entity({ schema: 'intake', name: 'referral' })
export class Referral {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  status: ReferralStatus;

  @Column('text', { name: 'practice_ods_code' })
  practiceOdsCode: string;

  @Column('text', { array: true })
  needs: string[];

  @Column('text')
  urgency: ReferralUrgency;

  @Column('boolean', { name: 'consent_to_share' })
  consentToShare: boolean;

  @Column('jsonb')
  patient: ReferralReceivedPayload['patient'];

  @Column('text', { nullable: true })
  notes: string | null;

  @Column('text', { name: 'correlation_id' })
  correlationId: string;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
