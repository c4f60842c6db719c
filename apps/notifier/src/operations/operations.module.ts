import { Module } from '@nestjs/common';
import { NotifierMetrics } from './notifier-metrics';

/** What operators see of the notifier: its figures for /metrics (the queue dashboard is mounted by createNotifierApp). */
@Module({ providers: [NotifierMetrics] })
export class OperationsModule {}
