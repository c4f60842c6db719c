import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSenders1764100000000 implements MigrationInterface {
  name = 'CreateSenders1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "intake"."sender" (
        "id" text PRIMARY KEY CHECK ("id" ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        "name" text NOT NULL,
        "practice_ods_codes" text[] NOT NULL,
        "current_secret" text NOT NULL,
        "previous_secret" text,
        "callback_url" text,
        "disabled_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "intake"."sender"`);
  }
}
