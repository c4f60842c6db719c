import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MixedList } from 'typeorm';
import { BaseEnvironment } from './config/environment';
import { ServiceConfigModule } from './config/service-config.module';
import { openServiceDataSource, serviceDataSourceOptions } from './database/typeorm-options';
import { HealthModule } from './health/health.module';
import { ServiceJobs } from './jobs/job-runner-options';
import { JobsModule } from './jobs/jobs.module';
import { MetricsModule } from './metrics/metrics.module';
import { CorrelationMiddleware } from './logging/correlation.middleware';
import { ServiceLoggerModule } from './logging/logger.module';
import { EventTransportModule } from './transport/event-transport.module';

export interface ServiceInfrastructureOptions<T extends BaseEnvironment> {
  service: string;
  schema: string;
  environmentClass: new () => T;
  env: T;
  entities?: MixedList<Function | string>;
  migrations: MixedList<Function | string>;
  /** The service's job queues' settings (from its environment), when it owns any in the job registry. */
  jobs?: ServiceJobs;
  /** See EventTransportOptions.referralLockSpace. */
  referralLockSpace?: number;
}

/**
 * What every service is built on, wired the same way: validated config, JSON logs with correlation ids,
 * its own schema migrated at boot, the event transport, the job runner, health endpoints.
 */
@Module({})
export class ServiceInfrastructureModule implements NestModule {
  static forService<T extends BaseEnvironment>(options: ServiceInfrastructureOptions<T>): DynamicModule {
    const { env } = options;
    return {
      module: ServiceInfrastructureModule,
      imports: [
        ServiceConfigModule.forEnvironment(options.environmentClass, env),
        ServiceLoggerModule.forService({ service: options.service, level: env.LOG_LEVEL, file: env.LOG_FILE }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...serviceDataSourceOptions({ url: env.DATABASE_URL, schema: options.schema, entities: options.entities ?? [], migrations: options.migrations }),
            retryAttempts: 0,
          }),
          // Migrated under the migration lock, so replicas starting together take turns.
          dataSourceFactory: (dataSourceOptions) => openServiceDataSource(dataSourceOptions!),
        }),
        EventTransportModule.forRootAsync({
          useFactory: () => ({
            service: options.service,
            schema: options.schema,
            redisUrl: env.REDIS_URL,
            redisPrefix: env.REDIS_PREFIX,
            maxAttempts: env.EVENT_MAX_ATTEMPTS,
            backoffMs: env.EVENT_BACKOFF_MS,
            outboxPollMs: env.OUTBOX_POLL_MS,
            sealingKey: env.EVENT_SEALING_KEY,
            outboxRetentionHours: env.OUTBOX_RETENTION_HOURS,
            concurrency: env.EVENT_CONCURRENCY,
            referralLockSpace: options.referralLockSpace,
            lockMs: env.EVENT_LOCK_MS,
            stalledIntervalMs: env.EVENT_STALLED_INTERVAL_MS,
            shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
            reconcileIntervalMs: env.EVENT_RECONCILE_INTERVAL_MS,
            reconcileGraceMs: env.EVENT_RECONCILE_GRACE_MS,
            reconcileWindowHours: env.EVENT_RECONCILE_WINDOW_HOURS,
          }),
        }),
        ...(options.jobs
          ? [JobsModule.forService({ service: options.service, schema: options.schema, redisUrl: env.REDIS_URL, redisPrefix: env.REDIS_PREFIX, shutdownGraceMs: env.SHUTDOWN_GRACE_MS, ...options.jobs })]
          : []),
        HealthModule,
        MetricsModule.forService({
          service: options.service,
          redisUrl: env.REDIS_URL,
          redisPrefix: env.REDIS_PREFIX,
          token: env.METRICS_TOKEN,
        }),
      ],
      exports: [ServiceConfigModule, ServiceLoggerModule, TypeOrmModule, EventTransportModule, MetricsModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes('*');
  }
}
