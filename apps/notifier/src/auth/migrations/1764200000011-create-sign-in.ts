import { MigrationInterface, QueryRunner } from 'typeorm';

/** Emailed sign-in links and server-side workspace sessions. */
export class CreateSignIn1764200000011 implements MigrationInterface {
  name = 'CreateSignIn1764200000011';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notifier"."sign_in_token" (
        "token_hash" bytea PRIMARY KEY,
        "person_kind" text NOT NULL CHECK ("person_kind" IN ('link-worker', 'organisation')),
        "person_id" uuid NOT NULL,
        "email" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "used_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "sign_in_token_expires" ON "notifier"."sign_in_token" ("expires_at")`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."workspace_session" (
        "id_hash" bytea PRIMARY KEY,
        "person_kind" text CHECK ("person_kind" IN ('link-worker', 'organisation')),
        "person_id" uuid,
        "email" text,
        "data" jsonb NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL,
        "last_seen_at" timestamptz NOT NULL,
        CHECK (("person_kind" IS NULL) = ("person_id" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "workspace_session_person" ON "notifier"."workspace_session" ("person_kind", "person_id")`);
    await queryRunner.query(`CREATE INDEX "workspace_session_last_seen" ON "notifier"."workspace_session" ("last_seen_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notifier"."workspace_session"`);
    await queryRunner.query(`DROP TABLE "notifier"."sign_in_token"`);
  }
}
