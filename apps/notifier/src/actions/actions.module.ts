import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { TasksModule } from '../tasks/tasks.module';
import { ActionsController } from './actions.controller';
import { ActionsService } from './actions.service';

@Module({
  imports: [DirectoryModule, TasksModule],
  controllers: [ActionsController],
  providers: [ActionsService],
})
export class ActionsModule {}
