import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { TasksModule } from '../tasks/tasks.module';
import { NotifierMetrics } from './notifier-metrics';

/** What operators see of the notifier: its figures for /metrics (the queue dashboard is mounted by createNotifierApp). */
@Module({ imports: [DeliveryModule, TasksModule], providers: [NotifierMetrics] })
export class OperationsModule {}
