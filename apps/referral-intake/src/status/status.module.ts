import { Module } from '@nestjs/common';
import { PendingStatusCallbacksSweep, StatusCallbackDispatcher } from './status-callbacks';
import { StatusEventsController } from './status-events.controller';

@Module({
  controllers: [StatusEventsController],
  providers: [StatusCallbackDispatcher, PendingStatusCallbacksSweep],
})
export class StatusModule {}
