import { DynamicModule, Module } from '@nestjs/common';
import { JobName, OutboxHousekeeping, ServiceInfrastructureModule } from '@app/shared';
import { INTAKE_ENTITIES, INTAKE_MIGRATIONS } from './database';
import { INTAKE_SCHEMA, INTAKE_SERVICE, IntakeEnvironment } from './environment';
import { intakeJobs } from './intake-jobs';
import { ReferralsModule } from './referrals/referrals.module';
import { OperationsModule } from './operations/intake-metrics';
import { StatusModule } from './status/status.module';

@Module({})
export class IntakeAppModule {
  static forEnvironment(env: IntakeEnvironment): DynamicModule {
    return {
      module: IntakeAppModule,
      imports: [
        ServiceInfrastructureModule.forService({
          service: INTAKE_SERVICE,
          schema: INTAKE_SCHEMA,
          environmentClass: IntakeEnvironment,
          env,
          entities: INTAKE_ENTITIES,
          migrations: INTAKE_MIGRATIONS,
          jobs: intakeJobs(env),
        }),
        ReferralsModule,
        StatusModule,
        OperationsModule,
      ],
      providers: [OutboxHousekeeping(JobName.PurgeIntakeOutbox)],
    };
  }
}
