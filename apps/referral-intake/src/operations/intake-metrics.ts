import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ServiceMetrics } from '@app/shared';
import { StatusModule } from '../status/status.module';
import { StatusStore } from '../status/status.store';

/** Intake's figures for /metrics: status callbacks to GP systems, by state and by attempt result. */
@Injectable()
export class IntakeMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly status: StatusStore,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('status_callbacks', 'Status callbacks to GP systems by state (pending, delivered, failed, gone)', ['state'], async () => {
      const rows = await this.status.countsByState();
      return rows.map((row) => ({ labels: { state: row.state }, value: row.count }));
    });
    this.metrics.gauge(
      'status_callback_attempts',
      'Attempts to deliver status callbacks by result: 2xx, 4xx, 5xx (other HTTP classes as their class) or network (no HTTP answer)',
      ['result'],
      async () => {
        const rows = await this.status.attemptsByResult();
        return rows.map((row) => ({ labels: { result: row.result }, value: row.count }));
      },
    );
  }
}

/** What operators see of intake beyond the shared transport figures. */
@Module({ imports: [StatusModule], providers: [IntakeMetrics] })
export class OperationsModule {}
