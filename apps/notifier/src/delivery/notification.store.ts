import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { NotificationChannel, Statement, composeStatements, preparedQuery } from '@app/shared';
import { NOTIFIER_SCHEMA } from '../environment';
import { Notification, NotificationAttempt, NotificationKind } from './notification.entities';

const S = `"${NOTIFIER_SCHEMA}"`;

/** A notification taken for sending: the row as it is now, with the attempt just opened. */
export type Claim = { state: 'done' } | { state: 'claimed'; notification: Notification; attemptNo: number; interrupted: boolean };

export type AttemptResult = Pick<NotificationAttempt, 'outcome'> & Partial<Pick<NotificationAttempt, 'providerMessageId' | 'error'>>;

/** A notification that should have a delivery job (see PendingNotificationsSweep). */
export interface DueNotification {
  id: string;
  channel: NotificationChannel;
  correlationId: string | null;
}

/**
 * The delivery module's tables: notifications and their attempts. Every read and write of them goes
 * through here; the services decide, inside their own transactions, and publish the events.
 */
@Injectable()
export class NotificationStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Pending notifications, each once per (task, kind, recipient, channel), in one statement. Returns the ids
   * of the rows inserted; a row that already existed is left out.
   */
  async createPending(
    manager: EntityManager,
    rows: Array<{ id: string; referralId: string; taskId: string; kind: NotificationKind; recipientType: string; recipientId: string; channel: NotificationChannel; address: string; correlationId: string | null }>,
  ): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted = await preparedQuery<{ id: string }>(
      manager,
      `${NOTIFIER_SCHEMA}_notification_insert`,
      `INSERT INTO ${S}."notification" ("id", "referral_id", "task_id", "kind", "recipient_type", "recipient_id", "channel", "address", "status", "correlation_id")
       SELECT "id", "referral_id", "task_id", "kind", "recipient_type", "recipient_id", "channel", "address", 'pending', "correlation_id"
       FROM jsonb_to_recordset($1::jsonb) AS "pending" ("id" uuid, "referral_id" uuid, "task_id" uuid, "kind" text, "recipient_type" text, "recipient_id" uuid,
                                                         "channel" text, "address" text, "correlation_id" text)
       ON CONFLICT DO NOTHING RETURNING "id"`,
      [
        JSON.stringify(
          rows.map((row) => ({
            id: row.id,
            referral_id: row.referralId,
            task_id: row.taskId,
            kind: row.kind,
            recipient_type: row.recipientType,
            recipient_id: row.recipientId,
            channel: row.channel,
            address: row.address,
            correlation_id: row.correlationId,
          })),
        ),
      ],
    );
    return new Set(inserted.map((row) => row.id));
  }

  /** A referral's notifications with every attempt, oldest first. */
  async forReferral(referralId: string): Promise<Array<Notification & { attemptsMade: NotificationAttempt[] }>> {
    const notifications = await this.dataSource.getRepository(Notification).find({ where: { referralId }, order: { createdAt: 'ASC' } });
    const attempts = notifications.length
      ? await this.dataSource.getRepository(NotificationAttempt).find({ where: { notificationId: In(notifications.map((n) => n.id)) }, order: { attemptNo: 'ASC' } })
      : [];
    return notifications.map((notification) => ({ ...notification, attemptsMade: attempts.filter((attempt) => attempt.notificationId === notification.id) }));
  }

  find(notificationId: string): Promise<Notification | null> {
    return this.dataSource.getRepository(Notification).findOneBy({ id: notificationId });
  }

  /**
   * Takes a pending (or interrupted "sending") notification for one more attempt, in its own transaction
   * committed before the provider is called. An interrupted attempt is closed as such.
   */
  claim(notificationId: string, providerOf: (notification: Notification) => string): Promise<Claim | null> {
    return this.dataSource.transaction(async (manager) => {
      const notification = await manager.findOne(Notification, { where: { id: notificationId }, lock: { mode: 'pessimistic_write' } });
      if (!notification) return null;
      if (notification.status !== 'pending' && notification.status !== 'sending') return { state: 'done' };
      const interrupted = notification.status === 'sending';
      if (interrupted) {
        await manager.update(
          NotificationAttempt,
          { notificationId, attemptNo: notification.attempts, outcome: 'in-progress' },
          { outcome: 'interrupted', finishedAt: new Date(), error: 'the attempt ended without a result (worker stopped or lost its lock)' },
        );
      }
      const attemptNo = notification.attempts + 1;
      const provider = providerOf(notification);
      await manager.update(Notification, { id: notificationId }, { status: 'sending', attempts: attemptNo, provider, updatedAt: new Date() });
      await manager.insert(NotificationAttempt, { notificationId, attemptNo, provider, outcome: 'in-progress', startedAt: new Date() });
      return { state: 'claimed', notification: { ...notification, attempts: attemptNo, provider }, attemptNo, interrupted };
    });
  }

  /**
   * Closes the attempt, records the notification sent and writes its event's outbox row, in one statement:
   * atomic without a transaction of its own, one round trip. `event` builds the row's insert for a condition
   * (EventPublisher.outboxRow's onlyIf): here, that the notification was recorded sent. False, with only the
   * attempt closed, when another attempt took over meanwhile.
   */
  async recordSent(
    notificationId: string,
    attemptNo: number,
    providerMessageId: string,
    outcome: 'sent' | 'found-at-provider',
    event: (onlyIf: string) => Statement,
    channel: string,
  ): Promise<boolean> {
    const published = composeStatements(
      [{ text: '', values: [notificationId, attemptNo, providerMessageId, outcome, channel] }, event('EXISTS (SELECT 1 FROM "sent")')],
      ([, insert]) => `WITH "attempt" AS (
         UPDATE ${S}."notification_attempt" SET "outcome" = $4, "provider_message_id" = $3, "finished_at" = now()
         WHERE "notification_id" = $1 AND "attempt_no" = $2
       ), "sent" AS (
         UPDATE ${S}."notification" SET "status" = 'sent', "provider_message_id" = $3, "sent_at" = now(), "last_error" = NULL, "updated_at" = now()
         WHERE "id" = $1 AND "status" = 'sending' AND "attempts" = $2
         RETURNING "id"
       ), "published" AS (${insert})
       SELECT 1 AS "sent" FROM "sent" WHERE (SELECT count(*) FROM (SELECT pg_notify($5, '') FROM "published") AS "notified") = 1`,
    );
    const rows = await preparedQuery(this.dataSource, `${NOTIFIER_SCHEMA}_notification_sent`, published.text, published.values);
    return rows.length > 0;
  }

  /**
   * Closes a failed attempt: the notification goes back to pending, or to failed when giving up. False when
   * another attempt took over meanwhile.
   */
  async markFailed(manager: EntityManager, notificationId: string, attemptNo: number, failure: { message: string; permanent: boolean }, giveUp: boolean): Promise<boolean> {
    await this.finishAttempt(manager, notificationId, attemptNo, { outcome: failure.permanent ? 'permanent-failure' : 'transient-failure', error: failure.message });
    const result = await manager
      .createQueryBuilder()
      .update(Notification)
      .set(giveUp ? { status: 'failed', failedAt: new Date(), lastError: failure.message, updatedAt: new Date() } : { status: 'pending', lastError: failure.message, updatedAt: new Date() })
      .where('id = :id AND status = :status AND attempts = :attemptNo', { id: notificationId, status: 'sending', attemptNo })
      .execute();
    return !!result.affected;
  }

  private async finishAttempt(manager: EntityManager, notificationId: string, attemptNo: number, result: AttemptResult): Promise<void> {
    await manager.update(NotificationAttempt, { notificationId, attemptNo }, { ...result, finishedAt: new Date() });
  }

  /** Replaying a dead-lettered delivery: the failed notification goes back to pending for a fresh round of attempts. */
  async reopen(manager: EntityManager, notificationId: string): Promise<void> {
    await manager.query(`UPDATE ${S}."notification" SET "status" = 'pending', "failed_at" = NULL, "updated_at" = now() WHERE "id" = $1 AND "status" = 'failed'`, [notificationId]);
  }

  /**
   * Pending for longer than `pendingMs`, or left "sending" for longer than `sendingMs`, in id order after
   * `after`: the delivery sweep's candidates.
   */
  due(pendingMs: number, sendingMs: number, after: string | null, limit: number): Promise<DueNotification[]> {
    return this.dataSource.query(
      `SELECT "id", "channel", "correlation_id" AS "correlationId" FROM ${S}."notification"
       WHERE (("status" = 'pending' AND "updated_at" < now() - ($1 || ' milliseconds')::interval)
           OR ("status" = 'sending' AND "updated_at" < now() - ($2 || ' milliseconds')::interval))
         AND ($3::uuid IS NULL OR "id" > $3)
       ORDER BY "id" LIMIT $4`,
      [String(pendingMs), String(sendingMs), after, limit],
    );
  }

  /** The notification a provider's receipt is about, locked: sent on that channel, by its message id or our reference. */
  forReceipt(manager: EntityManager, channel: string, providerMessageId: string, reference: string): Promise<Notification | null> {
    return (
      manager
        .createQueryBuilder(Notification, 'n')
        .setLock('pessimistic_write')
        // A receipt changes only a notification sent on its own channel: an SMS receipt never an email.
        .where('n.channel = :channel', { channel })
        .andWhere('(n.provider_message_id = :id OR n.id::text = :reference)', { id: providerMessageId, reference })
        .getOne()
    );
  }

  async markDelivered(manager: EntityManager, notificationId: string, at: Date): Promise<void> {
    await manager.update(Notification, { id: notificationId }, { status: 'delivered', deliveredAt: at, updatedAt: new Date() });
  }

  async markUndeliverable(manager: EntityManager, notificationId: string, at: Date, error: string): Promise<void> {
    await manager.update(Notification, { id: notificationId }, { status: 'failed', failedAt: at, lastError: error, updatedAt: new Date() });
  }

  /** Notifications by channel and status, for the metrics. */
  countsByChannelAndStatus(): Promise<Array<{ channel: string; status: string; count: number }>> {
    return this.dataSource.query(`SELECT "channel", "status", count(*)::int AS "count" FROM ${S}."notification" GROUP BY "channel", "status"`);
  }
}
