import { MigrationInterface, QueryRunner } from 'typeorm';

/** The lifecycle events intake has heard for each referral, so its status is folded from the same history as outcomes'. */
export class CreateReferralHistory1764200000000 implements MigrationInterface {
  name = 'CreateReferralHistory1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "intake"."referral_history" (
        "event_id" uuid PRIMARY KEY,
        "referral_id" uuid NOT NULL REFERENCES "intake"."referral" ("id"),
        "type" text NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "facts" jsonb NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "referral_history_referral" ON "intake"."referral_history" ("referral_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "intake"."referral_history"`);
  }
}
