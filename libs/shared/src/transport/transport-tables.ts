import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox, inbox and dead-letter tables every service keeps in its own schema. They belong to the
 * transport, so the transport's own migration creates them (transportTablesMigration); tests and the bench
 * that build a bare schema call this directly. Safe to run again: every statement is IF NOT EXISTS.
 */
export async function createTransportTables(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE IF NOT EXISTS "${schema}"."outbox" (
      "id" uuid PRIMARY KEY,
      "seq" bigserial UNIQUE,
      "type" text NOT NULL,
      "envelope" jsonb NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "published_at" timestamptz,
      "publish_attempts" integer NOT NULL DEFAULT 0,
      "last_error" text
    )`);
  await queryRunner.query(`CREATE INDEX IF NOT EXISTS "outbox_unpublished" ON "${schema}"."outbox" ("seq") WHERE "published_at" IS NULL`);
  await queryRunner.query(`
    CREATE TABLE IF NOT EXISTS "${schema}"."inbox" (
      "consumer" text NOT NULL,
      "event_id" uuid NOT NULL,
      "event_type" text NOT NULL,
      "processed_at" timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY ("consumer", "event_id")
    )`);
  await queryRunner.query(`
    CREATE TABLE IF NOT EXISTS "${schema}"."dead_letter" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "consumer" text NOT NULL,
      "event_id" uuid NOT NULL,
      "event_type" text NOT NULL,
      "envelope" jsonb NOT NULL,
      "error" text NOT NULL,
      "attempts" integer NOT NULL,
      "failed_at" timestamptz NOT NULL DEFAULT now(),
      "replayed_at" timestamptz
    )`);
  await queryRunner.query(`CREATE INDEX IF NOT EXISTS "dead_letter_open" ON "${schema}"."dead_letter" ("failed_at") WHERE "replayed_at" IS NULL`);
}

export async function dropTransportTables(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`DROP TABLE IF EXISTS "${schema}"."dead_letter"`);
  await queryRunner.query(`DROP TABLE IF EXISTS "${schema}"."inbox"`);
  await queryRunner.query(`DROP TABLE IF EXISTS "${schema}"."outbox"`);
}

/**
 * The transport's tables, as the first migration of every service that lists it (its timestamp is before any
 * service's own). Until this migration existed each service's first feature migration created them, so a
 * database deployed before it already has them; being IF NOT EXISTS, it then records itself and changes nothing.
 */
export function transportTablesMigration(schema: string): new () => MigrationInterface {
  return class CreateTransportTables1763900000000 implements MigrationInterface {
    name = 'CreateTransportTables1763900000000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await createTransportTables(queryRunner, schema);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await dropTransportTables(queryRunner, schema);
    }
  };
}

/**
 * Published outbox rows by when they were published: the retention purge (`published_at < cutoff`) and the
 * reconciler's window (`published_at` between now - EVENT_RECONCILE_WINDOW_HOURS and now - grace) are ranges on
 * it; without it both read the whole table. Unpublished rows stay on "outbox_unpublished" (the relay's and the
 * lag metric's). EXPLAIN ANALYZE on 300,000 rows over 36 hours (README, "Operations"): the purge went from a
 * sequential scan (128 ms) to this index (75 ms); the relay's batch and the lag metric stay on
 * "outbox_unpublished" (0.2 ms); a reconciler pass, whose window holds most of the table, costs about 0.2 s per
 * subscriber either way, spent in the anti-join against the subscriber's inbox (its primary key).
 */
export function outboxPublishedIndexMigration(schema: string): new () => MigrationInterface {
  return class OutboxPublishedIndex1764500000000 implements MigrationInterface {
    name = 'OutboxPublishedIndex1764500000000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE INDEX IF NOT EXISTS "outbox_published" ON "${schema}"."outbox" ("published_at") WHERE "published_at" IS NOT NULL`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP INDEX "${schema}"."outbox_published"`);
    }
  };
}
