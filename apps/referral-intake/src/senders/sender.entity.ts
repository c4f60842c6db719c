import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const CALLBACK_FORMATS = ['json', 'fhir-task'] as const;
export type CallbackFormat = (typeof CALLBACK_FORMATS)[number];

/** A GP system (or integrator) allowed to send referrals for the practices it serves. */
@Entity({ schema: 'intake', name: 'sender' })
export class Sender {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'practice_ods_codes', array: true })
  practiceOdsCodes: string[];

  /** Sealed (encrypted) signing secrets: the current one, and the previous one while a rotation is under way. */
  @Column('text', { name: 'current_secret' })
  currentSecret: string;

  @Column('text', { name: 'previous_secret', nullable: true })
  previousSecret: string | null;

  @Column('text', { name: 'callback_url', nullable: true })
  callbackUrl: string | null;

  /** How status callbacks are sent: our JSON ("referral.status-changed"), or the referral as a FHIR R4 Task. */
  @Column('text', { name: 'callback_format', default: 'json' })
  callbackFormat: CallbackFormat;

  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
