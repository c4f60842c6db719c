import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { NotificationChannel } from '@app/shared';

/**
 * decision: tells the link worker an organisation accepted or declined (email only).
 * withdrawn: tells an organisation its offer was taken back, the referral is no longer needed (email only).
 */
export type NotificationKind = 'task' | 'reminder' | 'escalation' | 'decision' | 'withdrawn';
export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'delivered' | 'failed';

/** One message to one recipient on one channel. Its id is also its delivery job's id. */
@Entity({ schema: 'notifier', name: 'notification' })
export class Notification {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'referral_id' })
  referralId: string;

  @Column('uuid', { name: 'task_id' })
  taskId: string;

  @Column('text')
  kind: NotificationKind;

  @Column('text', { name: 'recipient_type' })
  recipientType: 'link-worker' | 'organisation';

  @Column('uuid', { name: 'recipient_id' })
  recipientId: string;

  @Column('text')
  channel: NotificationChannel;

  /** The recipient's (not the patient's) email address or mobile number. */
  @Column('text')
  address: string;

  @Column('text')
  status: NotificationStatus;

  @Column('integer')
  attempts: number;

  @Column('text', { nullable: true })
  provider: string | null;

  @Column('text', { name: 'provider_message_id', nullable: true })
  providerMessageId: string | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt: Date | null;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;

  @Column('timestamptz', { name: 'failed_at', nullable: true })
  failedAt: Date | null;

  @Column('text', { name: 'correlation_id', nullable: true })
  correlationId: string | null;
}

export type AttemptOutcome = 'in-progress' | 'sent' | 'transient-failure' | 'permanent-failure' | 'interrupted' | 'found-at-provider';

@Entity({ schema: 'notifier', name: 'notification_attempt' })
export class NotificationAttempt {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'notification_id' })
  notificationId: string;

  @Column('integer', { name: 'attempt_no' })
  attemptNo: number;

  @Column('text')
  provider: string;

  @Column('text')
  outcome: AttemptOutcome;

  @Column('text', { name: 'provider_message_id', nullable: true })
  providerMessageId: string | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('timestamptz', { name: 'started_at' })
  startedAt: Date;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}
