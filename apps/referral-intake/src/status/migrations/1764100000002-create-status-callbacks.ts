import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateStatusCallbacks1764100000002 implements MigrationInterface {
  name = 'CreateStatusCallbacks1764100000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "intake"."status_callback" (
        "id" uuid PRIMARY KEY,
        "referral_id" uuid NOT NULL REFERENCES "intake"."referral" ("id"),
        "sender_id" text NOT NULL REFERENCES "intake"."sender" ("id"),
        "event_id" uuid NOT NULL UNIQUE,
        "status" text NOT NULL,
        "url" text NOT NULL,
        "payload" jsonb NOT NULL,
        "state" text NOT NULL DEFAULT 'pending' CHECK ("state" IN ('pending', 'delivered', 'failed', 'gone')),
        "attempts" integer NOT NULL DEFAULT 0,
        "last_error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "delivered_at" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "status_callback_pending" ON "intake"."status_callback" ("created_at") WHERE "state" = 'pending'`);
    await queryRunner.query(`
      CREATE TABLE "intake"."status_callback_attempt" (
        "id" bigserial PRIMARY KEY,
        "callback_id" uuid NOT NULL REFERENCES "intake"."status_callback" ("id"),
        "attempt" integer NOT NULL,
        "attempted_at" timestamptz NOT NULL,
        "http_status" integer,
        "error" text,
        "duration_ms" integer NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "status_callback_attempt_callback" ON "intake"."status_callback_attempt" ("callback_id", "attempt")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "intake"."status_callback_attempt"`);
    await queryRunner.query(`DROP TABLE "intake"."status_callback"`);
  }
}
