import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ReferralReceivedPayload, ReferralUrgency } from '@app/shared';
import type { ReferralFormat } from './fhir/fhir-referral';

export type ReferralStatus = 'received' | 'routed' | 'unrouted' | 'accepted' | 'declined' | 'completed' | 'closed';

/** A referral as received from a GP system. Identifiable: only intake and its sender read it back. */
@Entity({ schema: 'intake', name: 'referral' })
export class Referral {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  status: ReferralStatus;

  @Column('text', { name: 'status_reason', nullable: true })
  statusReason: string | null;

  @Column('timestamptz', { name: 'status_changed_at' })
  statusChangedAt: Date;

  @Column('text', { name: 'sender_id', nullable: true })
  senderId: string | null;

  @Column('text', { name: 'sender_referral_id', nullable: true })
  senderReferralId: string | null;

  @Column('text', { name: 'request_hash', nullable: true })
  requestHash: string | null;

  @Column('text')
  format: ReferralFormat;

  /** The FHIR resource exactly as the sender posted it. */
  @Column('jsonb', { name: 'original_payload', nullable: true })
  originalPayload: unknown;

  @Column('text', { name: 'practice_ods_code' })
  practiceOdsCode: string;

  @Column('text', { array: true })
  needs: string[];

  @Column('text')
  urgency: ReferralUrgency;

  @Column('boolean', { name: 'consent_to_share' })
  consentToShare: boolean;

  @Column('timestamptz', { name: 'consent_recorded_at', nullable: true })
  consentRecordedAt: Date | null;

  @Column('jsonb')
  patient: ReferralReceivedPayload['patient'];

  @Column('jsonb', { nullable: true })
  referrer: ReferralReceivedPayload['referrer'] | null;

  @Column('uuid', { name: 'preferred_organisation_id', nullable: true })
  preferredOrganisationId: string | null;

  @Column('text', { nullable: true })
  notes: string | null;

  @Column('text', { name: 'correlation_id' })
  correlationId: string;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
