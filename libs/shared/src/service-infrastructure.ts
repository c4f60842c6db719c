import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MixedList } from 'typeorm';
import { BaseEnvironment } from './config/environment';
import { ServiceConfigModule } from './config/service-config.module';
import { serviceDataSourceOptions } from './database/typeorm-options';
import { HealthModule } from './health/health.module';
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
}

/**
 * What every service is built on, wired the same way: validated config, JSON logs with correlation ids,
 * its own schema migrated at boot, the event transport, health endpoints.
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
        TypeOrmModule.forRoot({
          ...serviceDataSourceOptions({ url: env.DATABASE_URL, schema: options.schema, entities: options.entities ?? [], migrations: options.migrations }),
          retryAttempts: 0,
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
          }),
        }),
        HealthModule,
      ],
      exports: [ServiceConfigModule, ServiceLoggerModule, TypeOrmModule, EventTransportModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes('*');
  }
}
