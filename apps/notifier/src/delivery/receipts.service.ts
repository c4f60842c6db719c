import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventPublisher, EventType } from '@app/shared';
import { NotificationStore } from './notification.store';

export interface NotifyCallback {
  id: string;
  reference?: string | null;
  status: string;
  notification_type?: string;
  completed_at?: string | null;
}

/** What Notify sends for us: SMS only (email goes by SMTP), but its receipts name the type. */
export const NOTIFY_CHANNELS = ['sms', 'email'] as const;

const DELIVERED = ['delivered'];
const FAILED = ['permanent-failure', 'temporary-failure', 'technical-failure'];

@Injectable()
export class ReceiptsService {
  private readonly logger = new Logger(ReceiptsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventPublisher,
    private readonly store: NotificationStore,
  ) {}

  /**
   * Applies a final status once: a repeated callback finds the row already delivered or failed and
   * publishes nothing. Interim statuses (sending, pending, sent) change nothing.
   */
  async record(callback: NotifyCallback): Promise<void> {
    const final = DELIVERED.includes(callback.status) ? 'delivered' : FAILED.includes(callback.status) ? 'failed' : undefined;
    if (!final) return;
    await this.dataSource.transaction(async (manager) => {
      const notification = await this.store.forReceipt(manager, callback.notification_type ?? 'sms', callback.id, callback.reference ?? '');
      if (!notification) {
        this.logger.warn({ providerMessageId: callback.id }, 'Delivery receipt for an unknown notification');
        return;
      }
      if (notification.status === 'delivered' || notification.status === 'failed') return;
      const at = callback.completed_at ? new Date(callback.completed_at) : new Date();
      const error = final === 'failed' ? `Notify ${callback.status}` : null;
      if (final === 'delivered') await this.store.markDelivered(manager, notification.id, at);
      else await this.store.markUndeliverable(manager, notification.id, at, error ?? `Notify ${callback.status}`);
      await this.events.publish(manager, final === 'delivered' ? EventType.NotificationDelivered : EventType.NotificationFailed, {
        referralId: notification.referralId,
        correlationId: notification.correlationId ?? undefined,
        payload: {
          notificationId: notification.id,
          recipientType: notification.recipientType,
          recipientId: notification.recipientId,
          channel: notification.channel,
          provider: notification.provider ?? 'govuk-notify',
          providerMessageId: callback.id,
          attempts: notification.attempts,
          ...(error ? { error } : {}),
        },
      });
    });
  }
}
