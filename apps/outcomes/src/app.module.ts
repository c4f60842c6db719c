import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorrelationMiddleware, EventTransportModule, HealthModule, ServiceConfigModule, ServiceLoggerModule, serviceDataSourceOptions } from '@app/shared';
import { AuditModule } from './audit/access-audit';
import { OUTCOMES_MIGRATIONS } from './database';
import { OUTCOMES_SCHEMA, OUTCOMES_SERVICE, OutcomesEnvironment } from './environment';
import { ExtractsModule } from './extracts/extracts.module';
import { FeedsModule } from './feeds/feeds.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { PrivacyModule } from './privacy/privacy.module';
import { RecordingModule } from './recording/recording.module';
import { ReportsModule } from './reports/reports.module';

@Module({})
export class OutcomesAppModule implements NestModule {
  static forEnvironment(env: OutcomesEnvironment): DynamicModule {
    return {
      module: OutcomesAppModule,
      imports: [
        ServiceConfigModule.forEnvironment(OutcomesEnvironment, env),
        ServiceLoggerModule.forService({ service: OUTCOMES_SERVICE, level: env.LOG_LEVEL, file: env.LOG_FILE }),
        TypeOrmModule.forRoot({
          ...serviceDataSourceOptions({ url: env.DATABASE_URL, schema: OUTCOMES_SCHEMA, entities: [], migrations: OUTCOMES_MIGRATIONS }),
          retryAttempts: 0,
        }),
        EventTransportModule.forRootAsync({
          useFactory: () => ({
            service: OUTCOMES_SERVICE,
            schema: OUTCOMES_SCHEMA,
            redisUrl: env.REDIS_URL,
            redisPrefix: env.REDIS_PREFIX,
            maxAttempts: env.EVENT_MAX_ATTEMPTS,
            backoffMs: env.EVENT_BACKOFF_MS,
            outboxPollMs: env.OUTBOX_POLL_MS,
          }),
        }),
        HealthModule,
        PrivacyModule,
        AuditModule,
        LifecycleModule,
        FeedsModule,
        RecordingModule,
        ReportsModule,
        ExtractsModule,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes('*');
  }
}
