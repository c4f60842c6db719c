import { Module } from '@nestjs/common';
import { StatusCallbackDispatcher } from './status-callbacks';
import { StatusEventsController } from './status-events.controller';

@Module({
  controllers: [StatusEventsController],
  providers: [StatusCallbackDispatcher],
})
export class StatusModule {}
