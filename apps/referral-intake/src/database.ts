import { DataSourceOptions } from 'typeorm';
import { serviceDataSourceOptions } from '@app/shared';
import { INTAKE_SCHEMA } from './environment';
import { CreateReferrals1764000000000 } from './referrals/migrations/1764000000000-create-referrals';
import { ReferralContract1764100000001 } from './referrals/migrations/1764100000001-referral-contract';
import { Referral } from './referrals/referral.entity';
import { CreateSenders1764100000000 } from './senders/migrations/1764100000000-create-senders';
import { Sender } from './senders/sender.entity';
import { CreateStatusCallbacks1764100000002 } from './status/migrations/1764100000002-create-status-callbacks';
import { StatusCallback, StatusCallbackAttempt } from './status/status-callback.entity';

export const INTAKE_ENTITIES = [Referral, Sender, StatusCallback, StatusCallbackAttempt];
export const INTAKE_MIGRATIONS = [CreateReferrals1764000000000, CreateSenders1764100000000, ReferralContract1764100000001, CreateStatusCallbacks1764100000002];

export function intakeDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return serviceDataSourceOptions({ url: databaseUrl, schema: INTAKE_SCHEMA, entities: INTAKE_ENTITIES, migrations: INTAKE_MIGRATIONS });
}
