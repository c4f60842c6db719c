import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events about one referral may arrive in any order (several relays and consumers, retries): a cancellation or
 * consent withdrawal can be handled before the referral.received it follows. It is remembered here, so that the
 * referral is then never offered to anyone.
 */
export class EndedBeforeRouting1764500000001 implements MigrationInterface {
  name = 'EndedBeforeRouting1764500000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notifier"."ended_before_routing" (
        "referral_id" uuid PRIMARY KEY,
        "event_type" text NOT NULL,
        "ended_at" timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notifier"."ended_before_routing"`);
  }
}
