import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryModule } from '../delivery/delivery.module';
import { DirectoryModule } from '../directory/directory.module';
import { RemindersModule } from '../reminders/reminders.module';
import { RoutingListener } from './routing.controller';
import { RoutingDecisionRecord, Task } from './routing.entities';
import { RoutingService } from './routing.service';

@Module({
  imports: [TypeOrmModule.forFeature([RoutingDecisionRecord, Task]), DirectoryModule, DeliveryModule, RemindersModule],
  controllers: [RoutingListener],
  providers: [RoutingService],
})
export class RoutingModule {}
