import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

/**
 * Registers a service's validated environment with @nestjs/config (ConfigService) and under its own
 * class, so providers can inject the typed object. Validation happens before Nest starts (loadEnvironment),
 * so a bad variable stops the service with a line naming it.
 */
@Global()
@Module({})
export class ServiceConfigModule {
  static forEnvironment<T extends object>(environmentClass: new () => T, environment: T): DynamicModule {
    return {
      module: ServiceConfigModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => ({ ...environment })] }),
      ],
      providers: [{ provide: environmentClass, useValue: environment }],
      exports: [environmentClass],
    };
  }
}
