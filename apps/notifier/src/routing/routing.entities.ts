import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ReferralUrgency, RoutingTask } from '@app/shared';

@Entity({ schema: 'notifier', name: 'routing_decision' })
export class RoutingDecisionRecord {
  @PrimaryColumn('uuid', { name: 'referral_id' })
  referralId: string;

  @Column('text')
  outcome: 'routed' | 'unrouted';

  @Column('uuid', { name: 'link_worker_id', nullable: true })
  linkWorkerId: string | null;

  @Column('text', { name: 'pcn_ods_code', nullable: true })
  pcnOdsCode: string | null;

  @Column('text', { nullable: true })
  area: string | null;

  @Column('jsonb')
  tasks: RoutingTask[];

  @Column('text', { name: 'unrouted_reason', nullable: true })
  unroutedReason: string | null;

  @CreateDateColumn({ name: 'decided_at', type: 'timestamptz' })
  decidedAt: Date;
}

/** What a recipient may see of a referral: no identifiers, no clinical notes. */
export interface TaskSummary {
  needs: string[];
  urgency: ReferralUrgency;
  practiceOdsCode: string;
  practiceName?: string;
  area?: string;
  receivedAt: string;
}

export type TaskStatus = 'open' | 'accepted' | 'declined';

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

  /** The referral's correlation id, carried by the reminder jobs and decision events this task causes. */
  @Column('text', { name: 'correlation_id', nullable: true })
  correlationId: string | null;
}
