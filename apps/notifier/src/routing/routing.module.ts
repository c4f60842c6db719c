import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module';
import { RoutingListener } from './routing.controller';
import { RoutingService } from './routing.service';

/** Decides who is offered a referral; the tasks module makes and follows the offers. */
@Module({
  imports: [TasksModule],
  controllers: [RoutingListener],
  providers: [RoutingService],
})
export class RoutingModule {}
