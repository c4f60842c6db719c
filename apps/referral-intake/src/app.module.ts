import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorrelationMiddleware, EventTransportModule, HealthModule, ServiceConfigModule, ServiceLoggerModule } from '@app/shared';
import { intakeDataSourceOptions } from './database';
import { INTAKE_SCHEMA, INTAKE_SERVICE, IntakeEnvironment } from './environment';
import { ReferralsModule } from './referrals/referrals.module';
import { StatusModule } from './status/status.module';

@Module({})
export class IntakeAppModule implements NestModule {
  static forEnvironment(env: IntakeEnvironment): DynamicModule {
    return {
      module: IntakeAppModule,
      imports: [
        ServiceConfigModule.forEnvironment(IntakeEnvironment, env),
        ServiceLoggerModule.forService({ service: INTAKE_SERVICE, level: env.LOG_LEVEL, file: env.LOG_FILE }),
        TypeOrmModule.forRoot({ ...intakeDataSourceOptions(env.DATABASE_URL), retryAttempts: 0 }),
        EventTransportModule.forRootAsync({
          useFactory: () => ({
            service: INTAKE_SERVICE,
            schema: INTAKE_SCHEMA,
            redisUrl: env.REDIS_URL,
            redisPrefix: env.REDIS_PREFIX,
            maxAttempts: env.EVENT_MAX_ATTEMPTS,
            backoffMs: env.EVENT_BACKOFF_MS,
            outboxPollMs: env.OUTBOX_POLL_MS,
          }),
        }),
        HealthModule,
        ReferralsModule,
        StatusModule,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes('*');
  }
}
