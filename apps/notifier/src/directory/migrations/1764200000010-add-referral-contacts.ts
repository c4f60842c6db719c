import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each organisation's referral contacts: the staff who may sign in to the workspace for it. */
export class AddReferralContacts1764200000010 implements MigrationInterface {
  name = 'AddReferralContacts1764200000010';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notifier"."organisation" ADD COLUMN "referral_contacts" text[] NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`CREATE INDEX "organisation_referral_contacts" ON "notifier"."organisation" USING gin ("referral_contacts")`);
    await queryRunner.query(`CREATE INDEX "link_worker_email" ON "notifier"."link_worker" (lower("email"))`);
    await queryRunner.query(`CREATE INDEX "organisation_email" ON "notifier"."organisation" (lower("email"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "notifier"."organisation_email"`);
    await queryRunner.query(`DROP INDEX "notifier"."link_worker_email"`);
    await queryRunner.query(`DROP INDEX "notifier"."organisation_referral_contacts"`);
    await queryRunner.query(`ALTER TABLE "notifier"."organisation" DROP COLUMN "referral_contacts"`);
  }
}
