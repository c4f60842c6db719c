import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { JobQueues, NotificationChannel } from '@app/shared';
import { NotifierEnvironment } from '../environment';
import { deliveryJob } from './notification-jobs';
import { Notification, NotificationAttempt, NotificationKind } from './notification.entities';
import { NotificationStore } from './notification.store';

/** One task's notification of one kind to one recipient, on each of the recipient's channels. */
export interface NotificationInput {
  referralId: string;
  taskId: string;
  kind: NotificationKind;
  recipientType: 'link-worker' | 'organisation';
  recipient: Recipient;
  correlationId: string | null;
}

/** A notification row just created, to be put on its provider's queue after commit. */
export interface QueuedNotification {
  id: string;
  channel: NotificationChannel;
  correlationId?: string | null;
}

export interface Recipient {
  id: string;
  email: string | null;
  mobile: string | null;
  channels: string[];
}

/**
 * The channels a recipient gets: their preference, where we hold the address and the channel is
 * configured; email when none of their preferences can be honoured.
 */
export function channelsFor(recipient: Recipient, smsEnabled: boolean): Array<{ channel: NotificationChannel; address: string }> {
  const usable = (channel: string): { channel: NotificationChannel; address: string } | undefined => {
    if (channel === 'email' && recipient.email) return { channel: 'email', address: recipient.email };
    if (channel === 'sms' && recipient.mobile && smsEnabled) return { channel: 'sms', address: recipient.mobile };
    return undefined;
  };
  // A channel listed twice is still one message.
  const chosen = [...new Set(recipient.channels)].map(usable).filter((choice): choice is { channel: NotificationChannel; address: string } => !!choice);
  if (chosen.length > 0) return chosen;
  const fallback = usable('email');
  return fallback ? [fallback] : [];
}

@Injectable()
export class NotificationsService {
  constructor(
    private readonly store: NotificationStore,
    private readonly env: NotifierEnvironment,
    private readonly jobs: JobQueues,
  ) {}

  /**
   * Called after the rows committed. When Redis is unreachable the rows stay pending and the sweeper
   * queues them later, so a failure here only delays delivery.
   */
  async enqueue(notifications: QueuedNotification[]): Promise<void> {
    await this.jobs.enqueue(notifications.map(deliveryJob));
  }

  /** A referral's notifications with every attempt, oldest first: what was sent, to whom, how it went. */
  async forReferral(referralId: string): Promise<Array<Notification & { attemptsMade: NotificationAttempt[] }>> {
    return this.store.forReferral(referralId);
  }

  get smsEnabled(): boolean {
    return !!this.env.NOTIFY_API_KEY;
  }

  /**
   * Records the notifications for tasks inside the caller's transaction, in one statement. A row exists at
   * most once per (task, kind, recipient, channel): a second call returns only what it newly created.
   */
  async createForTasks(manager: EntityManager, inputs: NotificationInput[]): Promise<QueuedNotification[]> {
    const rows = inputs.flatMap((input) =>
      channelsFor(input.recipient, this.smsEnabled).map(({ channel, address }) => ({
        id: randomUUID(),
        referralId: input.referralId,
        taskId: input.taskId,
        kind: input.kind,
        recipientType: input.recipientType,
        recipientId: input.recipient.id,
        channel,
        address,
        correlationId: input.correlationId,
      })),
    );
    const created = await this.store.createPending(manager, rows);
    return rows.filter((row) => created.has(row.id)).map((row) => ({ id: row.id, channel: row.channel, correlationId: row.correlationId }));
  }
}
