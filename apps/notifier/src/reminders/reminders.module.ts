import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { DirectoryModule } from '../directory/directory.module';
import { DecisionsListener } from './decisions.controller';
import { RemindersService } from './reminders.service';

@Module({
  imports: [DeliveryModule, DirectoryModule],
  controllers: [DecisionsListener],
  providers: [RemindersService],
  exports: [RemindersService],
})
export class RemindersModule {}
