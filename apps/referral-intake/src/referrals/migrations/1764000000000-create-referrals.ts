import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateReferrals1764000000000 implements MigrationInterface {
  name = 'CreateReferrals1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "intake"."referral" (
        "id" uuid PRIMARY KEY,
        "status" text NOT NULL,
        "practice_ods_code" text NOT NULL,
        "needs" text[] NOT NULL,
        "urgency" text NOT NULL,
        "consent_to_share" boolean NOT NULL,
        "patient" jsonb NOT NULL,
        "notes" text,
        "correlation_id" text NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "intake"."referral"`);
  }
}
