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

/** A statement's text with its own $1..$n and their values: a part that can run alone or be composed with others. */
export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * Composes statements into one text: each part's $n are renumbered after the parts before it. The parts'
 * texts hold no other "$" (no dollar quoting), so every "$<digits>" is a parameter.
 */
export function composeStatements(parts: Statement[], compose: (texts: string[], next: number) => string): Statement {
  const values: unknown[] = [];
  const texts = parts.map((part) => {
    const offset = values.length;
    values.push(...part.values);
    return part.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  return { text: compose(texts, values.length + 1), values };
}
