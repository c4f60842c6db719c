import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorrelationMiddleware, EventTransportModule, HealthModule, ServiceConfigModule, ServiceLoggerModule, serviceDataSourceOptions } from '@app/shared';
import { INTAKE_SCHEMA, INTAKE_SERVICE, IntakeEnvironment } from './environment';
import { CreateReferrals1764000000000 } from './referrals/migrations/1764000000000-create-referrals';
import { Referral } from './referrals/referral.entity';
import { ReferralsModule } from './referrals/referrals.module';

@Module({})
export class IntakeAppModule implements NestModule {
  static forEnvironment(env: IntakeEnvironment): DynamicModule {
    return {
      module: IntakeAppModule,
      imports: [
        ServiceConfigModule.forEnvironment(IntakeEnvironment, env),
        ServiceLoggerModule.forService({ service: INTAKE_SERVICE, level: env.LOG_LEVEL, file: env.LOG_FILE }),
        TypeOrmModule.forRoot({
          ...serviceDataSourceOptions({
            url: env.DATABASE_URL,
            schema: INTAKE_SCHEMA,
            entities: [Referral],
            migrations: [CreateReferrals1764000000000],
          }),
          retryAttempts: 0,
        }),
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
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes('*');
  }
}
