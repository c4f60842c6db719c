import { Module } from '@nestjs/common';
import { RawJsonBodyParser } from '@app/shared';
import { SendersModule } from '../senders/senders.module';
import { OperationOutcomeReplies } from './fhir/operation-outcome';
import { IdempotencyStore } from './idempotency';
import { FhirTaskController } from './fhir/fhir-task.controller';
import { ReferralChangesController } from './referral-changes.controller';
import { ReferralsController } from './referrals.controller';
import { ReferralStore } from './referral.store';
import { ReferralsService } from './referrals.service';

@Module({
  imports: [SendersModule],
  controllers: [ReferralsController, ReferralChangesController, FhirTaskController],
  providers: [ReferralStore, ReferralsService, IdempotencyStore, RawJsonBodyParser, OperationOutcomeReplies],
  exports: [ReferralStore],
})
export class ReferralsModule {}
