import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { DeliveryQueues } from './delivery-queues';
import { Notification, NotificationAttempt } from './notification.entities';

export interface DeadNotification {
  id: string;
  referralId: string;
  kind: string;
  recipientType: string;
  recipientId: string;
  channel: string;
  attempts: number;
  lastError: string | null;
  failedAt: Date | null;
}

/** Notifications that gave up: listed from Postgres, and replayed as a fresh round of attempts. */
@Injectable()
export class DeadLetters {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: DeliveryQueues,
  ) {}

  async list(): Promise<DeadNotification[]> {
    const rows = await this.dataSource.getRepository(Notification).find({ where: { status: 'failed' }, order: { failedAt: 'ASC' } });
    return rows.map(({ id, referralId, kind, recipientType, recipientId, channel, attempts, lastError, failedAt }) => ({
      id,
      referralId,
      kind,
      recipientType,
      recipientId,
      channel,
      attempts,
      lastError,
      failedAt,
    }));
  }

  /** A referral's notifications with every attempt, oldest first: what was sent, to whom, how it went. */
  async forReferral(referralId: string): Promise<Array<Notification & { attemptsMade: NotificationAttempt[] }>> {
    const notifications = await this.dataSource.getRepository(Notification).find({ where: { referralId }, order: { createdAt: 'ASC' } });
    const attempts = notifications.length
      ? await this.dataSource.getRepository(NotificationAttempt).find({ where: { notificationId: In(notifications.map((n) => n.id)) }, order: { attemptNo: 'ASC' } })
      : [];
    return notifications.map((notification) => ({ ...notification, attemptsMade: attempts.filter((attempt) => attempt.notificationId === notification.id) }));
  }

  /** Puts a failed notification back to pending and gives its job a new set of attempts. False when it is not failed. */
  async replay(id: string): Promise<boolean> {
    const [rows] = await this.dataSource.query(
      `UPDATE "notifier"."notification" SET "status" = 'pending', "failed_at" = NULL, "updated_at" = now()
       WHERE "id" = $1 AND "status" = 'failed' RETURNING "channel", "correlation_id"`,
      [id],
    );
    const row = (rows as Array<{ channel: Notification['channel']; correlation_id: string | null }>)[0];
    if (!row) return false;
    await this.queues.ensureQueued({ id, channel: row.channel, correlationId: row.correlation_id });
    return true;
  }
}
