import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RawJsonBodyParser } from '@app/shared';
import { SendersModule } from '../senders/senders.module';
import { IdempotencyStore } from './idempotency';
import { Referral } from './referral.entity';
import { ReferralsController } from './referrals.controller';
import { ReferralsService } from './referrals.service';

@Module({
  imports: [TypeOrmModule.forFeature([Referral]), SendersModule],
  controllers: [ReferralsController],
  providers: [ReferralsService, IdempotencyStore, RawJsonBodyParser],
})
export class ReferralsModule {}
