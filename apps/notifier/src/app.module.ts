import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorrelationMiddleware, EventTransportModule, HealthModule, ServiceConfigModule, ServiceLoggerModule, serviceDataSourceOptions } from '@app/shared';
import { ActionsModule } from './actions/actions.module';
import { Notification, NotificationAttempt } from './delivery/notification.entities';
import { CreateNotifications1764100000002 } from './delivery/migrations/1764100000002-create-notifications';
import { AddCorrelationIds1764100000003 } from './delivery/migrations/1764100000003-add-correlation-ids';
import { DeliveryModule } from './delivery/delivery.module';
import { DIRECTORY_ENTITIES } from './directory/directory.entities';
import { DirectoryModule } from './directory/directory.module';
import { CreateDirectory1764100000000 } from './directory/migrations/1764100000000-create-directory';
import { NOTIFIER_SCHEMA, NOTIFIER_SERVICE, NotifierEnvironment } from './environment';
import { PresentationModule } from './presentation.module';
import { RemindersModule } from './reminders/reminders.module';
import { CreateRouting1764100000001 } from './routing/migrations/1764100000001-create-routing';
import { RoutingDecisionRecord, Task } from './routing/routing.entities';
import { RoutingModule } from './routing/routing.module';

export const NOTIFIER_ENTITIES = [...DIRECTORY_ENTITIES, RoutingDecisionRecord, Task, Notification, NotificationAttempt];
export const NOTIFIER_MIGRATIONS = [CreateDirectory1764100000000, CreateRouting1764100000001, CreateNotifications1764100000002, AddCorrelationIds1764100000003];

@Module({})
export class NotifierAppModule implements NestModule {
  static forEnvironment(env: NotifierEnvironment): DynamicModule {
    return {
      module: NotifierAppModule,
      imports: [
        ServiceConfigModule.forEnvironment(NotifierEnvironment, env),
        ServiceLoggerModule.forService({ service: NOTIFIER_SERVICE, level: env.LOG_LEVEL, file: env.LOG_FILE }),
        TypeOrmModule.forRoot({
          ...serviceDataSourceOptions({ url: env.DATABASE_URL, schema: NOTIFIER_SCHEMA, entities: NOTIFIER_ENTITIES, migrations: NOTIFIER_MIGRATIONS }),
          retryAttempts: 0,
        }),
        EventTransportModule.forRootAsync({
          useFactory: () => ({
            service: NOTIFIER_SERVICE,
            schema: NOTIFIER_SCHEMA,
            redisUrl: env.REDIS_URL,
            redisPrefix: env.REDIS_PREFIX,
            maxAttempts: env.EVENT_MAX_ATTEMPTS,
            backoffMs: env.EVENT_BACKOFF_MS,
            outboxPollMs: env.OUTBOX_POLL_MS,
          }),
        }),
        HealthModule,
        PresentationModule,
        DirectoryModule,
        DeliveryModule,
        RemindersModule,
        RoutingModule,
        ActionsModule,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes('*');
  }
}
