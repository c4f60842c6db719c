import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SenderRateLimiter } from './rate-limiter';
import { SenderAuthGuard } from './sender-auth.guard';
import { SenderGate } from './sender-gate';
import { SenderStore } from './sender.store';
import { Sender } from './sender.entity';

/** Who may send referrals: registered senders, their signatures and their rate limits. */
@Module({
  imports: [TypeOrmModule.forFeature([Sender])],
  providers: [SenderStore, SenderAuthGuard, SenderRateLimiter, SenderGate],
  exports: [SenderStore, SenderAuthGuard, SenderRateLimiter, SenderGate],
})
export class SendersModule {}
