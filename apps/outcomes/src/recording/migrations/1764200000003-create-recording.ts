import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRecording1764200000003 implements MigrationInterface {
  name = 'CreateRecording1764200000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "outcomes"."recorder_api_key" (
        "id" uuid PRIMARY KEY,
        "api_key_hash" text NOT NULL UNIQUE,
        "kind" text NOT NULL CHECK ("kind" IN ('organisation', 'link-worker')),
        "subject_id" uuid NOT NULL,
        "label" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE "outcomes"."organisation_webhook_secret" (
        "organisation_id" uuid PRIMARY KEY,
        "secret_sealed" text NOT NULL,
        "previous_secret_sealed" text,
        "rotated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    // Standard Webhooks retries repeat webhook-id: the first answer is kept and replayed.
    await queryRunner.query(`
      CREATE TABLE "outcomes"."webhook_receipt" (
        "organisation_id" uuid NOT NULL,
        "webhook_id" text NOT NULL,
        "status" integer NOT NULL,
        "response" jsonb NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("organisation_id", "webhook_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "outcomes"."webhook_receipt"`);
    await queryRunner.query(`DROP TABLE "outcomes"."organisation_webhook_secret"`);
    await queryRunner.query(`DROP TABLE "outcomes"."recorder_api_key"`);
  }
}
