import { Injectable, OnModuleInit } from '@nestjs/common';
import { ServiceMetrics } from '@app/shared';
import { NotificationStore } from '../delivery/notification.store';
import { TasksStore } from '../tasks/tasks.store';

/** The notifier's figures for /metrics: deliveries by channel and result, reminders due (its queues are reported by the shared metrics). */
@Injectable()
export class NotifierMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly notifications: NotificationStore,
    private readonly tasks: TasksStore,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('notifications', 'Notifications by channel (email, sms) and status (pending, sending, sent, delivered, failed...)', ['channel', 'status'], async () => {
      const rows = await this.notifications.countsByChannelAndStatus();
      return rows.map((row) => ({ labels: { channel: row.channel, status: row.status }, value: row.count }));
    });
    this.metrics.gauge('reminders_due', 'Open tasks whose reminder or escalation is due and not yet sent', ['stage'], async () => {
      const due = await this.tasks.followUpsDue();
      return [
        { labels: { stage: 'reminder' }, value: due.reminder },
        { labels: { stage: 'escalation' }, value: due.escalation },
      ];
    });
  }
}
