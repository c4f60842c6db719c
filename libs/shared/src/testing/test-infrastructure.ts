import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import IORedis from 'ioredis';

export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  name: string;
  /** One query on a connection of its own (closed after), for a test's checks. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A database of its own for one test file, so parallel runs never see each other's rows. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `sp_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    query: async <T>(sql: string, params: unknown[] = []) => {
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    drop: async () => {
      const client = new Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestRedis {
  url: string;
  prefix: string;
  cleanup(): Promise<void>;
}

/** A hash-tagged key prefix of its own for one test file. */
export function createTestRedisPrefix(label = 'test'): TestRedis {
  const prefix = `{sp-${label}-${randomBytes(5).toString('hex')}}`;
  return {
    url: TEST_REDIS_URL,
    prefix,
    cleanup: async () => {
      const redis = new IORedis(TEST_REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

/** Polls until the check returns a value other than undefined/false, or fails with the last reason. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * How many sessions of the caller's database wait for an advisory lock: what a test sees while a consumer
 * has claimed an event and waits for the lock on its referral.
 */
export async function advisoryLockWaiters(database: { query(sql: string): Promise<Array<{ waiting: number }>> }): Promise<number> {
  const [{ waiting }] = await database.query(
    `SELECT count(*)::int AS "waiting" FROM pg_locks l JOIN pg_database d ON d."oid" = l."database" WHERE l."locktype" = 'advisory' AND NOT l."granted" AND d."datname" = current_database()`,
  );
  return waiting;
}
