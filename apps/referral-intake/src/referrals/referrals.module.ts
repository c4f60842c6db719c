import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RawJsonBodyParser } from '@app/shared';
import { SendersModule } from '../senders/senders.module';
import { OperationOutcomeReplies } from './fhir/operation-outcome';
import { IdempotencyStore } from './idempotency';
import { Referral } from './referral.entity';
import { FhirTaskController } from './fhir/fhir-task.controller';
import { ReferralChangesController } from './referral-changes.controller';
import { ReferralsController } from './referrals.controller';
import { ReferralsService } from './referrals.service';

@Module({
  imports: [TypeOrmModule.forFeature([Referral]), SendersModule],
  controllers: [ReferralsController, ReferralChangesController, FhirTaskController],
  providers: [ReferralsService, IdempotencyStore, RawJsonBodyParser, OperationOutcomeReplies],
})
export class ReferralsModule {}
