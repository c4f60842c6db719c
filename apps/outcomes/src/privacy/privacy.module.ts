import { Global, Logger, Module } from '@nestjs/common';
import { DEV_PSEUDONYM_MASTER_KEY, OutcomesEnvironment } from '../environment';
import { Secrets } from './secrets';

@Global()
@Module({
  providers: [
    {
      provide: Secrets,
      inject: [OutcomesEnvironment],
      useFactory: (env: OutcomesEnvironment) => {
        if (env.PSEUDONYM_MASTER_KEY === DEV_PSEUDONYM_MASTER_KEY) {
          new Logger('Secrets').warn('PSEUDONYM_MASTER_KEY is the development default: set a secret of your own before real patient data arrives');
        }
        return new Secrets(env.PSEUDONYM_MASTER_KEY);
      },
    },
  ],
  exports: [Secrets],
})
export class PrivacyModule {}
