import { Client } from 'pg';
import { redisConnection } from '../transport/redis-connections';

export class DependencyUnreachableError extends Error {}

/**
 * A failure of the connection to PostgreSQL rather than of the statement: PostgreSQL unreachable, the
 * connection cut or refused, or the server shutting down (SQLSTATE classes 08 and 57P0). The work did not fail
 * on its own account and can succeed unchanged once PostgreSQL is back: an HTTP caller gets a 503 and retries,
 * and queued work is never dead-lettered for it (see BullMqEventServer and JobRunner).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const candidate = error as { name?: string; code?: string; message?: string; driverError?: { code?: string }; cause?: unknown };
  const code = candidate?.code ?? candidate?.driverError?.code ?? '';
  return (
    /^(08|57P0)/.test(code) ||
    // node-postgres passes its socket's own error on; by its code only, as a message could be any client's.
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(candidate?.message ?? '') ||
    // TypeORM releases a query runner whose connection failed: its next statement, or its transaction's, then
    // fails so (outside that, only a programming error would use a released runner, and tests would show it).
    ['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError'].includes(candidate?.name ?? '') ||
    // A failure that names PostgreSQL's as its cause (e.g. the notifier's AcceptedNotRecordedError).
    (candidate?.cause !== undefined && candidate.cause !== error && isDatabaseUnavailable(candidate.cause))
  );
}

/** Hides the password of a connection URL so it can be printed. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // A redis-cluster:// URL lists several host:port pairs, which URL cannot parse: mask its password by hand.
    if (/^[a-z][a-z0-9+.-]*:\/\/[^\s/]+$/i.test(url)) return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
    return '(unparseable URL)';
  }
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

const DATABASE_CREATION_LOCK_KEY = 'social-prescribing:create-database';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates the database and the service's schema when they are missing, so that a first start on a fresh
 * machine needs no manual step. Fails with one line naming the URL when PostgreSQL does not answer.
 */
export async function prepareDatabase(url: string, schemas: string[]): Promise<void> {
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new DependencyUnreachableError(
      `PostgreSQL is not reachable at ${displayUrl(url)} (${(error as Error).message}). ` +
        `Start it (e.g. "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start") or set DATABASE_URL.`,
    );
  }
  try {
    // The three services (and their replicas) start together on a fresh machine: they take turns to create
    // the database. Without the lock two CREATE DATABASE race and one fails on pg_database's unique index.
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [DATABASE_CREATION_LOCK_KEY]);
    const name = databaseName(url);
    const existing = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`).catch((error: { code?: string }) => {
        // Created meanwhile by something not taking our lock (duplicate_database, or the catalog's unique index).
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await admin.end();
  }
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    for (const schema of schemas) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch((error: { code?: string }) => {
        if (error.code !== '23505' && error.code !== '42P06') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

export async function assertRedisReachable(url: string): Promise<void> {
  const redis = redisConnection(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new DependencyUnreachableError(
      `Redis is not reachable at ${displayUrl(url)} (${(error as Error).message}). ` +
        `Start it (e.g. "redis-server --daemonize yes --bind 127.0.0.1 --port 6379") or set REDIS_URL.`,
    );
  } finally {
    redis.disconnect();
  }
}
