import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { TasksModule } from '../tasks/tasks.module';
import { RoutingListener } from './routing.controller';
import { RoutingService } from './routing.service';
import { RoutingStore } from './routing.store';

/** Decides who is offered a referral; the tasks module makes and follows the offers. */
@Module({
  imports: [TasksModule, DirectoryModule],
  controllers: [RoutingListener],
  providers: [RoutingService, RoutingStore],
})
export class RoutingModule {}
