import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { DirectoryModule } from '../directory/directory.module';
import { CaseworkService } from './casework.service';
import { DetailsRetention } from './details-retention';
import { LifecycleListener } from './lifecycle.listener';
import { OpenTaskRemindersSweep, RemindersService } from './reminders.service';
import { Task } from './task.entity';
import { TasksService } from './tasks.service';
import { TasksStore } from './tasks.store';
import { WorkspaceController } from './workspace.controller';

/** A task's whole life (offer, decide, withdraw, remind, escalate, hand off) and the referral's casework. */
@Module({
  imports: [TypeOrmModule.forFeature([Task]), DeliveryModule, DirectoryModule, AuthModule],
  controllers: [LifecycleListener, WorkspaceController],
  providers: [TasksStore, TasksService, CaseworkService, DetailsRetention, RemindersService, OpenTaskRemindersSweep],
  exports: [TasksStore, TasksService, CaseworkService],
})
export class TasksModule {}
