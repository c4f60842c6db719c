import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sender can cancel a referral and a person can withdraw consent. Each is recorded on the referral
 * when asked, so a repeated request is answered from here instead of publishing again; withdrawing
 * consent erases the person's details, so the patient column may now be empty.
 */
export class ReferralWithdrawal1764300000000 implements MigrationInterface {
  name = 'ReferralWithdrawal1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "intake"."referral"
        ADD COLUMN "cancelled_at" timestamptz,
        ADD COLUMN "cancel_reason" text,
        ADD COLUMN "consent_withdrawn_at" timestamptz,
        ALTER COLUMN "patient" DROP NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "intake"."referral"
        DROP COLUMN "cancelled_at", DROP COLUMN "cancel_reason", DROP COLUMN "consent_withdrawn_at"`);
  }
}
