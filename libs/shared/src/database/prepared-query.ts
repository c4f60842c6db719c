import type { Pool, PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs a statement of a hot path as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call (TypeORM's query() sends every statement unnamed), and the rows come
 * back as pg returns them, without TypeORM's entity hydration. One name always goes with one text (pg
 * refuses a name reused for another text), so a name includes whatever varies in the text, such as the
 * schema. Given a manager, it runs on the manager's transaction connection (a transaction must be active:
 * only then does the manager hold one connection); given the DataSource, on a pooled connection of its own.
 */
export async function preparedQuery<T = Record<string, unknown>>(on: EntityManager | DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  if (on instanceof DataSource) {
    const pool = (on.driver as PostgresDriver).master as Pool;
    return (await pool.query({ name, text, values })).rows as T[];
  }
  const runner = on.queryRunner;
  if (!runner?.isTransactionActive) throw new Error(`Prepared statement ${name} must run inside a transaction`);
  const client = (await runner.connect()) as PoolClient;
  return (await client.query({ name, text, values })).rows as T[];
}
