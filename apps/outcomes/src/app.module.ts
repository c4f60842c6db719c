import { DynamicModule, Module } from '@nestjs/common';
import { JobName, OutboxHousekeeping, ServiceInfrastructureModule } from '@app/shared';
import { AuditModule } from './audit/access-audit';
import { OUTCOMES_MIGRATIONS } from './database';
import { OUTCOMES_SCHEMA, OUTCOMES_SERVICE, OutcomesEnvironment } from './environment';
import { outcomesJobs } from './outcomes-jobs';
import { ExtractsModule } from './extracts/extracts.module';
import { FeedsModule } from './feeds/feeds.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { OUTCOMES_REFERRAL_LOCK_SPACE } from './lifecycle/lifecycle.store';
import { PrivacyModule } from './privacy/privacy.module';
import { RecordingModule } from './recording/recording.module';
import { ReportsModule } from './reports/reports.module';

@Module({})
export class OutcomesAppModule {
  static forEnvironment(env: OutcomesEnvironment): DynamicModule {
    return {
      module: OutcomesAppModule,
      imports: [
        ServiceInfrastructureModule.forService({
          service: OUTCOMES_SERVICE,
          schema: OUTCOMES_SCHEMA,
          environmentClass: OutcomesEnvironment,
          env,
          migrations: OUTCOMES_MIGRATIONS,
          jobs: outcomesJobs(env),
          // Every event is handled with its referral locked from the inbox claim on, as LifecycleStore.ingest needs.
          referralLockSpace: OUTCOMES_REFERRAL_LOCK_SPACE,
        }),
        PrivacyModule,
        AuditModule,
        LifecycleModule,
        FeedsModule,
        RecordingModule,
        ReportsModule,
        ExtractsModule,
      ],
      providers: [OutboxHousekeeping(JobName.PurgeOutcomesOutbox)],
    };
  }
}
