import { Global, Module } from '@nestjs/common';
import { OutcomesEnvironment } from '../environment';
import { Secrets } from './secrets';

@Global()
@Module({
  providers: [{ provide: Secrets, inject: [OutcomesEnvironment], useFactory: (env: OutcomesEnvironment) => new Secrets(env.PSEUDONYM_MASTER_KEY) }],
  exports: [Secrets],
})
export class PrivacyModule {}
