import { MigrationInterface, QueryRunner } from 'typeorm';

/** The service directory (Open Referral UK shapes plus link workers and PCNs). */
export class CreateDirectory1764100000000 implements MigrationInterface {
  name = 'CreateDirectory1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notifier"."taxonomy_term" (
        "code" text PRIMARY KEY,
        "name" text NOT NULL,
        "vocabulary" text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."pcn" (
        "ods_code" text PRIMARY KEY,
        "name" text NOT NULL,
        "lead_link_worker_id" uuid
      )`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."practice" (
        "ods_code" text PRIMARY KEY,
        "name" text NOT NULL,
        "pcn_ods_code" text NOT NULL REFERENCES "notifier"."pcn" ("ods_code"),
        "postcode" text
      )`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."link_worker" (
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL,
        "email" text,
        "mobile" text,
        "channels" text[] NOT NULL,
        "pcn_ods_codes" text[] NOT NULL,
        "practice_ods_codes" text[] NOT NULL,
        "routing_rules" jsonb NOT NULL,
        "active" boolean NOT NULL DEFAULT true,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "link_worker_practices" ON "notifier"."link_worker" USING gin ("practice_ods_codes")`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."organisation" (
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL,
        "description" text,
        "url" text,
        "email" text,
        "mobile" text,
        "channels" text[] NOT NULL,
        "accepting_referrals" boolean NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."service" (
        "id" uuid PRIMARY KEY,
        "organisation_id" uuid NOT NULL REFERENCES "notifier"."organisation" ("id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "description" text,
        "status" text NOT NULL,
        "needs" text[] NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."location" (
        "id" uuid PRIMARY KEY,
        "organisation_id" uuid NOT NULL REFERENCES "notifier"."organisation" ("id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "postcode" text NOT NULL,
        "postcode_district" text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."service_at_location" (
        "service_id" uuid NOT NULL REFERENCES "notifier"."service" ("id") ON DELETE CASCADE,
        "location_id" uuid NOT NULL REFERENCES "notifier"."location" ("id") ON DELETE CASCADE,
        PRIMARY KEY ("service_id", "location_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['service_at_location', 'location', 'service', 'organisation', 'link_worker', 'practice', 'pcn', 'taxonomy_term']) {
      await queryRunner.query(`DROP TABLE "notifier"."${table}"`);
    }
  }
}
