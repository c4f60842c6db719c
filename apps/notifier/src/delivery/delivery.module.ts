import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DirectoryModule } from '../directory/directory.module';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLetters } from './dead-letters.service';
import { DeliveryQueues } from './delivery-queues';
import { DeliveryService } from './delivery.service';
import { DeliveryWorkers } from './delivery.worker';
import { MessageComposer } from './message-composer';
import { Notification, NotificationAttempt } from './notification.entities';
import { NotificationsService } from './notifications.service';
import { ReceiptsController } from './receipts.controller';
import { ReceiptsService } from './receipts.service';

@Module({
  imports: [TypeOrmModule.forFeature([Notification, NotificationAttempt]), DirectoryModule],
  controllers: [DeadLettersController, ReceiptsController],
  providers: [DeliveryQueues, NotificationsService, MessageComposer, DeliveryService, DeliveryWorkers, DeadLetters, ReceiptsService],
  exports: [DeliveryQueues, NotificationsService],
})
export class DeliveryModule {}
