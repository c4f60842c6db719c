import { DynamicModule, Module } from '@nestjs/common';
import { ServiceInfrastructureModule } from '@app/shared';
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
export class NotifierAppModule {
  static forEnvironment(env: NotifierEnvironment): DynamicModule {
    return {
      module: NotifierAppModule,
      imports: [
        ServiceInfrastructureModule.forService({
          service: NOTIFIER_SERVICE,
          schema: NOTIFIER_SCHEMA,
          environmentClass: NotifierEnvironment,
          env,
          entities: NOTIFIER_ENTITIES,
          migrations: NOTIFIER_MIGRATIONS,
        }),
        PresentationModule,
        DirectoryModule,
        DeliveryModule,
        RemindersModule,
        RoutingModule,
        ActionsModule,
      ],
    };
  }
}
