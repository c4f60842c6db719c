import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DirectoryModule } from '../directory/directory.module';
import { DeadLettersController } from './dead-letters.controller';
import { DeliveryJobs, PendingNotificationsSweep } from './delivery.jobs';
import { DeliveryService } from './delivery.service';
import { MessageComposer } from './message-composer';
import { Notification, NotificationAttempt } from './notification.entities';
import { NotificationsService } from './notifications.service';
import { ReceiptsController } from './receipts.controller';
import { ReceiptsService } from './receipts.service';

@Module({
  imports: [TypeOrmModule.forFeature([Notification, NotificationAttempt]), DirectoryModule],
  controllers: [DeadLettersController, ReceiptsController],
  providers: [NotificationsService, MessageComposer, DeliveryService, DeliveryJobs, PendingNotificationsSweep, ReceiptsService],
  exports: [NotificationsService],
})
export class DeliveryModule {}
