import { Module } from '@nestjs/common';
import { ReferralsModule } from '../referrals/referrals.module';
import { SendersModule } from '../senders/senders.module';
import { PendingStatusCallbacksSweep, StatusCallbackDispatcher } from './status-callbacks';
import { StatusEventsController } from './status-events.controller';
import { StatusStore } from './status.store';

@Module({
  imports: [ReferralsModule, SendersModule],
  controllers: [StatusEventsController],
  providers: [StatusStore, StatusCallbackDispatcher, PendingStatusCallbacksSweep],
  exports: [StatusStore],
})
export class StatusModule {}
