import type { PoolClient } from 'pg';
import { EntityManager } from 'typeorm';

/**
 * Runs a statement of a hot path as a named prepared statement on the transaction's connection: PostgreSQL
 * parses and plans it once per connection instead of on every call (TypeORM's query() sends every statement
 * unnamed). One name always goes with one text (pg refuses a name reused for another text), so a name
 * includes whatever varies in the text, such as the schema. Inside a transaction only: the manager then
 * holds one connection.
 */
export async function preparedQuery<T = Record<string, unknown>>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) throw new Error(`Prepared statement ${name} must run inside a transaction`);
  const client = (await runner.connect()) as PoolClient;
  return (await client.query({ name, text, values })).rows as T[];
}
