import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAccessAudit1764200000002 implements MigrationInterface {
  name = 'CreateAccessAudit1764200000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "outcomes"."access_audit" (
        "id" bigserial PRIMARY KEY,
        "at" timestamptz NOT NULL DEFAULT now(),
        "principal_kind" text NOT NULL,
        "principal_id" text NOT NULL,
        "resource" text NOT NULL,
        "filters" jsonb NOT NULL,
        "rows_returned" integer NOT NULL,
        "completed" boolean NOT NULL,
        "correlation_id" text
      )`);
    await queryRunner.query(`CREATE INDEX "access_audit_principal" ON "outcomes"."access_audit" ("principal_kind", "principal_id", "at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "outcomes"."access_audit"`);
  }
}
