import { DataSourceOptions } from 'typeorm';
import { jobTablesMigration, outboxPublishedIndexMigration, serviceDataSourceOptions, transportTablesMigration } from '@app/shared';
import { INTAKE_SCHEMA } from './environment';
import { CreateReferrals1764000000000 } from './referrals/migrations/1764000000000-create-referrals';
import { ReferralContract1764100000001 } from './referrals/migrations/1764100000001-referral-contract';
import { ReferralWithdrawal1764300000000 } from './referrals/migrations/1764300000000-referral-withdrawal';
import { CreateSenders1764100000000 } from './senders/migrations/1764100000000-create-senders';
import { CallbackFormat1764300000001 } from './senders/migrations/1764300000001-callback-format';
import { Sender } from './senders/sender.entity';
import { CreateStatusCallbacks1764100000002 } from './status/migrations/1764100000002-create-status-callbacks';
import { CreateReferralHistory1764200000000 } from './status/migrations/1764200000000-create-referral-history';
import { StatusCallback, StatusCallbackAttempt } from './status/status-callback.entity';

export const INTAKE_ENTITIES = [Sender, StatusCallback, StatusCallbackAttempt];
export const INTAKE_MIGRATIONS = [
  transportTablesMigration(INTAKE_SCHEMA),
  CreateReferrals1764000000000,
  CreateSenders1764100000000,
  ReferralContract1764100000001,
  CreateStatusCallbacks1764100000002,
  jobTablesMigration(INTAKE_SCHEMA),
  CreateReferralHistory1764200000000,
  ReferralWithdrawal1764300000000,
  CallbackFormat1764300000001,
  outboxPublishedIndexMigration(INTAKE_SCHEMA),
];

export function intakeDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return serviceDataSourceOptions({ url: databaseUrl, schema: INTAKE_SCHEMA, entities: INTAKE_ENTITIES, migrations: INTAKE_MIGRATIONS });
}
