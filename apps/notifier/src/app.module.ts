import { DynamicModule, Module } from '@nestjs/common';
import { JobName, OutboxHousekeeping, ServiceInfrastructureModule, jobTablesMigration, outboxPublishedIndexMigration, transportTablesMigration } from '@app/shared';
import { ActionsModule } from './actions/actions.module';
import { AUTH_ENTITIES } from './auth/auth.entities';
import { AuthModule } from './auth/auth.module';
import { CreateSignIn1764200000011 } from './auth/migrations/1764200000011-create-sign-in';
import { CreateSignInRequest1764500000010 } from './auth/migrations/1764500000010-create-sign-in-request';
import { EndedBeforeRouting1764500000001 } from './tasks/migrations/1764500000001-ended-before-routing';
import { NOTIFIER_REFERRAL_LOCK_SPACE } from './tasks/tasks.store';
import { Notification, NotificationAttempt } from './delivery/notification.entities';
import { CreateNotifications1764100000002 } from './delivery/migrations/1764100000002-create-notifications';
import { AddCorrelationIds1764100000003 } from './delivery/migrations/1764100000003-add-correlation-ids';
import { DeliveryModule } from './delivery/delivery.module';
import { DIRECTORY_ENTITIES } from './directory/directory.entities';
import { DirectoryModule } from './directory/directory.module';
import { CreateDirectory1764100000000 } from './directory/migrations/1764100000000-create-directory';
import { AddReferralContacts1764200000010 } from './directory/migrations/1764200000010-add-referral-contacts';
import { NOTIFIER_SCHEMA, NOTIFIER_SERVICE, NotifierEnvironment } from './environment';
import { notifierJobs } from './notifier-jobs';
import { OperationsModule } from './operations/operations.module';
import { PresentationModule } from './presentation.module';
import { CreateRouting1764100000001 } from './routing/migrations/1764100000001-create-routing';
import { RoutingDecisionRecord } from './routing/routing.entities';
import { RoutingModule } from './routing/routing.module';
import { CreateWorkspace1764100000020 } from './tasks/migrations/1764100000020-create-workspace';
import { Task } from './tasks/task.entity';
import { TasksModule } from './tasks/tasks.module';

export const NOTIFIER_ENTITIES = [...DIRECTORY_ENTITIES, RoutingDecisionRecord, Task, Notification, NotificationAttempt, ...AUTH_ENTITIES];
export const NOTIFIER_MIGRATIONS = [
  transportTablesMigration(NOTIFIER_SCHEMA),
  CreateDirectory1764100000000,
  CreateRouting1764100000001,
  CreateNotifications1764100000002,
  AddCorrelationIds1764100000003,
  CreateWorkspace1764100000020,
  jobTablesMigration(NOTIFIER_SCHEMA),
  AddReferralContacts1764200000010,
  CreateSignIn1764200000011,
  outboxPublishedIndexMigration(NOTIFIER_SCHEMA),
  EndedBeforeRouting1764500000001,
  CreateSignInRequest1764500000010,
];

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
          jobs: notifierJobs(env),
          // Every event is handled with its referral locked from the inbox claim on: routing and ending a referral exclude each other.
          referralLockSpace: NOTIFIER_REFERRAL_LOCK_SPACE,
        }),
        PresentationModule,
        OperationsModule,
        DirectoryModule,
        DeliveryModule,
        TasksModule,
        RoutingModule,
        ActionsModule,
        AuthModule,
      ],
      providers: [OutboxHousekeeping(JobName.PurgeNotifierOutbox)],
    };
  }
}
