import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RawJsonBodyParser } from '../http/raw-json-body';
import { SenderRateLimiter } from '../senders/rate-limiter';
import { SenderAuthGuard } from '../senders/sender-auth.guard';
import { Sender } from '../senders/sender.entity';
import { IdempotencyStore } from './idempotency';
import { Referral } from './referral.entity';
import { ReferralsController } from './referrals.controller';
import { ReferralsService } from './referrals.service';

@Module({
  imports: [TypeOrmModule.forFeature([Referral, Sender])],
  controllers: [ReferralsController],
  providers: [ReferralsService, IdempotencyStore, SenderAuthGuard, SenderRateLimiter, RawJsonBodyParser],
})
export class ReferralsModule {}
