import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The runner's table in a service's own schema: jobs it gave up on, kept in Postgres so they outlive
 * Redis, listable and replayable. At most one open dead letter per job.
 */
export async function createJobTables(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE "${schema}"."job_dead_letter" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "queue" text NOT NULL,
      "job_name" text NOT NULL,
      "job_id" text NOT NULL,
      "payload" jsonb NOT NULL,
      "error" text NOT NULL,
      "attempts" integer NOT NULL,
      "failed_at" timestamptz NOT NULL DEFAULT now(),
      "replayed_at" timestamptz
    )`);
  await queryRunner.query(`CREATE UNIQUE INDEX "job_dead_letter_open" ON "${schema}"."job_dead_letter" ("queue", "job_id") WHERE "replayed_at" IS NULL`);
}

/** The migration each service with job queues lists after its own: the table versions with the service that owns it. */
export function jobTablesMigration(schema: string): new () => MigrationInterface {
  return class CreateJobTables1764400000000 implements MigrationInterface {
    name = 'CreateJobTables1764400000000';

    async up(queryRunner: QueryRunner): Promise<void> {
      await createJobTables(queryRunner, schema);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}"."job_dead_letter"`);
    }
  };
}
