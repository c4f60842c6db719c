import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ServiceMetrics } from '@app/shared';

/** The notifier's figures for /metrics: deliveries by channel and result, reminders due (its queues are reported by the shared metrics). */
@Injectable()
export class NotifierMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: ServiceMetrics,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('notifications', 'Notifications by channel (email, sms) and status (pending, sending, sent, delivered, failed...)', ['channel', 'status'], async () => {
      const rows: Array<{ channel: string; status: string; count: number }> = await this.dataSource.query(
        `SELECT "channel", "status", count(*)::int AS "count" FROM "notifier"."notification" GROUP BY "channel", "status"`,
      );
      return rows.map((row) => ({ labels: { channel: row.channel, status: row.status }, value: row.count }));
    });
    this.metrics.gauge('reminders_due', 'Open tasks whose reminder or escalation is due and not yet sent', ['stage'], async () => {
      const [row] = await this.dataSource.query(
        `SELECT count(*) FILTER (WHERE "reminder_due_at" <= now() AND "reminded_at" IS NULL)::int AS "reminder",
                count(*) FILTER (WHERE "escalation_due_at" <= now() AND "escalated_at" IS NULL)::int AS "escalation"
           FROM "notifier"."task" WHERE "status" = 'open'`,
      );
      return [
        { labels: { stage: 'reminder' }, value: row.reminder },
        { labels: { stage: 'escalation' }, value: row.escalation },
      ];
    });
  }
}
