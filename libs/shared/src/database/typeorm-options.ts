import { DataSource, DataSourceOptions, MixedList } from 'typeorm';

export interface ServiceDataSourceOptions {
  url: string;
  schema: string;
  entities: MixedList<Function | string>;
  migrations: MixedList<Function | string>;
  /** How long PostgreSQL lets a session sit idle inside a transaction before ending it (default 60 s). */
  idleInTransactionTimeoutMs?: number;
}

/**
 * A client that vanishes without closing its connection (its host lost power, the network between them was cut)
 * would otherwise keep its transaction open, and the row and advisory locks it holds, until TCP gives up on it
 * (two hours by default): every other replica waiting on those locks stalls. PostgreSQL ends such a session once
 * it has sat idle inside a transaction this long; none of ours waits between statements for more than seconds.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * Each service owns one schema; its migrations table lives there too. Schema changes go only through
 * migrations, which run through `migrateExclusively` (never TypeORM's own `migrationsRun`, which takes no lock).
 */
export function serviceDataSourceOptions(options: ServiceDataSourceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // TCP keepalives notice a vanished server (or client host) in about a minute instead of two hours.
    extra: {
      max: 10,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
  };
}

/**
 * One advisory lock for every service's migrations: replicas (and the three services) starting together
 * take turns, and each finds the migrations the one before it ran already recorded. Session-level, so it is
 * released if the process dies mid-migration.
 */
export const MIGRATION_LOCK_KEY = 'social-prescribing:migrations';

/** Runs the data source's pending migrations while holding the migration lock. */
export async function migrateExclusively(dataSource: DataSource): Promise<void> {
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    await lockHolder.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lockHolder.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lockHolder.release();
  }
}

/** A connected data source on a service's schema with its migrations applied: for apps, CLIs, scripts and tests. */
export async function openServiceDataSource(options: ServiceDataSourceOptions | DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource('type' in options ? options : serviceDataSourceOptions(options));
  await dataSource.initialize();
  try {
    await migrateExclusively(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
