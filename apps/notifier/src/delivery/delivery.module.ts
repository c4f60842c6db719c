import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DirectoryModule } from '../directory/directory.module';
import { TasksStore } from '../tasks/tasks.store';
import { DeadLettersController } from './dead-letters.controller';
import { DeliveryJobs, PendingNotificationsSweep } from './delivery.jobs';
import { DeliveryService } from './delivery.service';
import { MessageComposer } from './message-composer';
import { Notification, NotificationAttempt } from './notification.entities';
import { NotificationStore } from './notification.store';
import { NotificationsService } from './notifications.service';
import { ReceiptsController } from './receipts.controller';
import { ReceiptsService } from './receipts.service';

@Module({
  imports: [TypeOrmModule.forFeature([Notification, NotificationAttempt]), DirectoryModule],
  controllers: [DeadLettersController, ReceiptsController],
  // TasksStore too: a delivery reads the task it is about, and TasksModule imports this module, not the reverse.
  providers: [NotificationStore, TasksStore, NotificationsService, MessageComposer, DeliveryService, DeliveryJobs, PendingNotificationsSweep, ReceiptsService],
  exports: [NotificationsService, NotificationStore],
})
export class DeliveryModule {}
