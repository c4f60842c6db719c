import { MigrationInterface, QueryRunner } from 'typeorm';

/** Who sent each referral, in which format, and the keys that make retries safe. */
export class ReferralContract1764100000001 implements MigrationInterface {
  name = 'ReferralContract1764100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "intake"."referral"
        ADD COLUMN "sender_id" text REFERENCES "intake"."sender" ("id"),
        ADD COLUMN "sender_referral_id" text,
        ADD COLUMN "request_hash" text,
        ADD COLUMN "format" text NOT NULL DEFAULT 'json',
        ADD COLUMN "original_payload" jsonb,
        ADD COLUMN "referrer" jsonb,
        ADD COLUMN "preferred_organisation_id" uuid,
        ADD COLUMN "consent_recorded_at" timestamptz,
        ADD COLUMN "status_reason" text,
        ADD COLUMN "status_changed_at" timestamptz NOT NULL DEFAULT now()`);
    await queryRunner.query(`CREATE UNIQUE INDEX "referral_sender_referral_id" ON "intake"."referral" ("sender_id", "sender_referral_id")`);
    await queryRunner.query(`CREATE INDEX "referral_sender" ON "intake"."referral" ("sender_id", "received_at")`);
    await queryRunner.query(`
      CREATE TABLE "intake"."idempotency_key" (
        "sender_id" text NOT NULL REFERENCES "intake"."sender" ("id"),
        "scope" text NOT NULL CHECK ("scope" IN ('idempotency-key', 'webhook-id')),
        "key" text NOT NULL,
        "request_hash" text NOT NULL,
        "state" text NOT NULL DEFAULT 'in-flight' CHECK ("state" IN ('in-flight', 'completed')),
        "response_status" integer,
        "response_body" jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        PRIMARY KEY ("sender_id", "scope", "key")
      )`);
    await queryRunner.query(`CREATE INDEX "idempotency_key_expiry" ON "intake"."idempotency_key" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "intake"."idempotency_key"`);
    await queryRunner.query(`DROP INDEX "intake"."referral_sender"`);
    await queryRunner.query(`DROP INDEX "intake"."referral_sender_referral_id"`);
    await queryRunner.query(`
      ALTER TABLE "intake"."referral"
        DROP COLUMN "sender_id", DROP COLUMN "sender_referral_id", DROP COLUMN "request_hash", DROP COLUMN "format",
        DROP COLUMN "original_payload", DROP COLUMN "referrer", DROP COLUMN "preferred_organisation_id",
        DROP COLUMN "consent_recorded_at", DROP COLUMN "status_reason", DROP COLUMN "status_changed_at"`);
  }
}
