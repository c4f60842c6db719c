import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { RemindersModule } from '../reminders/reminders.module';
import { ActionsController } from './actions.controller';
import { ActionsService } from './actions.service';

@Module({
  imports: [DirectoryModule, RemindersModule],
  controllers: [ActionsController],
  providers: [ActionsService],
})
export class ActionsModule {}
