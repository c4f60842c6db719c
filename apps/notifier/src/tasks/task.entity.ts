import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ReferralUrgency } from '@app/shared';

/** What a recipient may see of a referral: no identifiers, no clinical notes. */
export interface TaskSummary {
  needs: string[];
  urgency: ReferralUrgency;
  practiceOdsCode: string;
  practiceName?: string;
  area?: string;
  receivedAt: string;
}

/** withdrawn: the offer was taken back (another organisation accepted, the link worker removed it, the referral ended). */
export type TaskStatus = 'open' | 'accepted' | 'declined' | 'withdrawn';

export type WithdrawnReason = 'accepted-elsewhere' | 'removed-by-link-worker' | 'referral-ended' | 'consent-withdrawn';

/** One recipient's piece of work for one referral. */
@Entity({ schema: 'notifier', name: 'task' })
export class Task {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'referral_id' })
  referralId: string;

  @Column('text', { name: 'recipient_type' })
  recipientType: 'link-worker' | 'organisation';

  @Column('uuid', { name: 'recipient_id' })
  recipientId: string;

  @Column('text')
  reason: string;

  @Column('text')
  status: TaskStatus;

  @Column('jsonb')
  summary: TaskSummary;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt: Date | null;

  @Column('text', { name: 'decline_reason', nullable: true })
  declineReason: string | null;

  @Column('text', { name: 'decline_text', nullable: true })
  declineText: string | null;

  @Column('timestamptz', { name: 'reminder_due_at', nullable: true })
  reminderDueAt: Date | null;

  @Column('timestamptz', { name: 'reminded_at', nullable: true })
  remindedAt: Date | null;

  @Column('timestamptz', { name: 'escalation_due_at', nullable: true })
  escalationDueAt: Date | null;

  @Column('timestamptz', { name: 'escalated_at', nullable: true })
  escalatedAt: Date | null;

  /** The referral's needs this offer is for (an organisation's are those it meets; a link worker's are all). */
  @Column('jsonb')
  needs: string[];

  /** "routing", or "link-worker:<id>" when the link worker handed the referral to this organisation. */
  @Column('text', { name: 'offered_by' })
  offeredBy: string;

  @Column('timestamptz', { name: 'withdrawn_at', nullable: true })
  withdrawnAt: Date | null;

  @Column('text', { name: 'withdrawn_reason', nullable: true })
  withdrawnReason: WithdrawnReason | null;

  /** The referral's correlation id, carried by the reminder jobs and decision events this task causes. */
  @Column('text', { name: 'correlation_id', nullable: true })
  correlationId: string | null;
}
