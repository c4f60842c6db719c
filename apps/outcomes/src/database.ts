import { DataSource } from 'typeorm';
import { jobTablesMigration, outboxPublishedIndexMigration, openServiceDataSource, prepareDatabase, transportTablesMigration } from '@app/shared';
import { CreateAccessAudit1764200000002 } from './audit/migrations/1764200000002-create-access-audit';
import { CreateCommissioners1764200000001 } from './commissioners/migrations/1764200000001-create-commissioners';
import { OUTCOMES_SCHEMA } from './environment';
import { FeedPositionMarks1764600000000 } from './feeds/migrations/1764600000000-feed-position-marks';
import { CreateLifecycle1764200000000 } from './lifecycle/migrations/1764200000000-create-lifecycle';
import { CreateRecording1764200000003 } from './recording/migrations/1764200000003-create-recording';

/** Every outcomes migration, oldest first. */
export const OUTCOMES_MIGRATIONS = [
  transportTablesMigration(OUTCOMES_SCHEMA),
  CreateLifecycle1764200000000,
  CreateCommissioners1764200000001,
  CreateAccessAudit1764200000002,
  CreateRecording1764200000003,
  jobTablesMigration(OUTCOMES_SCHEMA),
  outboxPublishedIndexMigration(OUTCOMES_SCHEMA),
  FeedPositionMarks1764600000000,
];

/** A DataSource on the outcomes schema with its migrations applied: for CLIs, scripts and tests. */
export async function openOutcomesDataSource(databaseUrl: string): Promise<DataSource> {
  await prepareDatabase(databaseUrl, [OUTCOMES_SCHEMA]);
  return openServiceDataSource({ url: databaseUrl, schema: OUTCOMES_SCHEMA, entities: [], migrations: OUTCOMES_MIGRATIONS });
}
