import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCommissioners1764200000001 implements MigrationInterface {
  name = 'CreateCommissioners1764200000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "outcomes"."commissioner" (
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL,
        "kind" text NOT NULL CHECK ("kind" IN ('commissioner', 'evaluator')),
        "api_key_hash" text NOT NULL UNIQUE,
        "scope_level" text NOT NULL CHECK ("scope_level" IN ('icb', 'sub-icb', 'pcn', 'practice')),
        "scope_codes" text[] NOT NULL CHECK (cardinality("scope_codes") > 0),
        "pseudonym_salt" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "outcomes"."commissioner"`);
  }
}
