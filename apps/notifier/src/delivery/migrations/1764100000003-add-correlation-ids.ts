import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tasks and notifications remember the referral's correlation id, so jobs and events they cause carry it. */
export class AddCorrelationIds1764100000003 implements MigrationInterface {
  name = 'AddCorrelationIds1764100000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notifier"."task" ADD COLUMN "correlation_id" text`);
    await queryRunner.query(`ALTER TABLE "notifier"."notification" ADD COLUMN "correlation_id" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notifier"."notification" DROP COLUMN "correlation_id"`);
    await queryRunner.query(`ALTER TABLE "notifier"."task" DROP COLUMN "correlation_id"`);
  }
}
