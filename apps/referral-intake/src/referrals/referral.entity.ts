import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ReferralPerson, ReferralStatusValue, ReferralUrgency } from '@app/shared';
import type { ReferralFormat } from './fhir/fhir-referral';

/** The shared referral lifecycle's status, as intake last folded it from the referral's history. */
export type ReferralStatus = ReferralStatusValue;

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

  /** Erased (null) once the person withdraws consent. */
  @Column('jsonb', { nullable: true })
  patient: ReferralPerson['patient'] | null;

  @Column('jsonb', { nullable: true })
  referrer: ReferralPerson['referrer'] | null;

  @Column('uuid', { name: 'preferred_organisation_id', nullable: true })
  preferredOrganisationId: string | null;

  @Column('text', { nullable: true })
  notes: string | null;

  /** When its sender cancelled it, and why (a reason code). */
  @Column('timestamptz', { name: 'cancelled_at', nullable: true })
  cancelledAt: Date | null;

  @Column('text', { name: 'cancel_reason', nullable: true })
  cancelReason: string | null;

  /** When the person's consent was withdrawn: their details were erased then. */
  @Column('timestamptz', { name: 'consent_withdrawn_at', nullable: true })
  consentWithdrawnAt: Date | null;

  @Column('text', { name: 'correlation_id' })
  correlationId: string;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
