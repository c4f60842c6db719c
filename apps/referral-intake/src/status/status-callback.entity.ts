import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type CallbackState = 'pending' | 'delivered' | 'failed' | 'gone';

/** One status change to tell a sender about; its id is the webhook-id and the BullMQ job id. */
@Entity({ schema: 'intake', name: 'status_callback' })
export class StatusCallback {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'referral_id' })
  referralId: string;

  @Column('text', { name: 'sender_id' })
  senderId: string;

  @Column('uuid', { name: 'event_id' })
  eventId: string;

  @Column('text')
  status: string;

  @Column('text')
  url: string;

  @Column('jsonb')
  payload: Record<string, unknown>;

  @Column('text')
  state: CallbackState;

  @Column('integer')
  attempts: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;
}

/** Every delivery attempt, kept: what the GP system answered, and when. */
@Entity({ schema: 'intake', name: 'status_callback_attempt' })
export class StatusCallbackAttempt {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column('uuid', { name: 'callback_id' })
  callbackId: string;

  @Column('integer')
  attempt: number;

  @Column('timestamptz', { name: 'attempted_at' })
  attemptedAt: Date;

  @Column('integer', { name: 'http_status', nullable: true })
  httpStatus: number | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('integer', { name: 'duration_ms' })
  durationMs: number;
}
