import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each sender chooses how status callbacks reach it: our JSON, or a FHIR R4 Task. */
export class CallbackFormat1764300000001 implements MigrationInterface {
  name = 'CallbackFormat1764300000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "intake"."sender" ADD COLUMN "callback_format" text NOT NULL DEFAULT 'json' CHECK ("callback_format" IN ('json', 'fhir-task'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "intake"."sender" DROP COLUMN "callback_format"`);
  }
}
