import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { DirectoryModule } from '../directory/directory.module';
import { OpenTaskRemindersSweep, RemindersService } from './reminders.service';

@Module({
  imports: [DeliveryModule, DirectoryModule],
  providers: [RemindersService, OpenTaskRemindersSweep],
  exports: [RemindersService],
})
export class RemindersModule {}
