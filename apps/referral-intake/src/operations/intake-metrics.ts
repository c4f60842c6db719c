import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ServiceMetrics } from '@app/shared';

/** Intake's figures for /metrics: status callbacks to GP systems, by state and by attempt result. */
@Injectable()
export class IntakeMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: ServiceMetrics,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('status_callbacks', 'Status callbacks to GP systems by state (pending, delivered, failed, gone)', ['state'], async () => {
      const rows: Array<{ state: string; count: number }> = await this.dataSource.query(
        `SELECT "state", count(*)::int AS "count" FROM "intake"."status_callback" GROUP BY "state"`,
      );
      return rows.map((row) => ({ labels: { state: row.state }, value: row.count }));
    });
    this.metrics.gauge(
      'status_callback_attempts',
      'Attempts to deliver status callbacks by result: 2xx, 4xx, 5xx (other HTTP classes as their class) or network (no HTTP answer)',
      ['result'],
      async () => {
        const rows: Array<{ result: string; count: number }> = await this.dataSource.query(
          `SELECT CASE WHEN "http_status" IS NULL THEN 'network' ELSE (("http_status" / 100)::int)::text || 'xx' END AS "result", count(*)::int AS "count"
             FROM "intake"."status_callback_attempt" GROUP BY 1`,
        );
        return rows.map((row) => ({ labels: { result: row.result }, value: row.count }));
      },
    );
  }
}

/** What operators see of intake beyond the shared transport figures. */
@Module({ providers: [IntakeMetrics] })
export class OperationsModule {}
