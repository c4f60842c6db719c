import { DynamicModule, Module } from '@nestjs/common';
import { ServiceInfrastructureModule } from '@app/shared';
import { INTAKE_ENTITIES, INTAKE_MIGRATIONS } from './database';
import { INTAKE_SCHEMA, INTAKE_SERVICE, IntakeEnvironment } from './environment';
import { ReferralsModule } from './referrals/referrals.module';
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
        }),
        ReferralsModule,
        StatusModule,
      ],
    };
  }
}
