import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotifications1764100000002 implements MigrationInterface {
  name = 'CreateNotifications1764100000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notifier"."notification" (
        "id" uuid PRIMARY KEY,
        "referral_id" uuid NOT NULL,
        "task_id" uuid NOT NULL REFERENCES "notifier"."task" ("id"),
        "kind" text NOT NULL,
        "recipient_type" text NOT NULL,
        "recipient_id" uuid NOT NULL,
        "channel" text NOT NULL,
        "address" text NOT NULL,
        "status" text NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "provider" text,
        "provider_message_id" text,
        "last_error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "sent_at" timestamptz,
        "delivered_at" timestamptz,
        "failed_at" timestamptz,
        UNIQUE ("task_id", "kind", "recipient_id", "channel")
      )`);
    await queryRunner.query(`CREATE INDEX "notification_pending" ON "notifier"."notification" ("created_at") WHERE "status" = 'pending'`);
    await queryRunner.query(`CREATE INDEX "notification_failed" ON "notifier"."notification" ("failed_at") WHERE "status" = 'failed'`);
    await queryRunner.query(`CREATE INDEX "notification_provider_message" ON "notifier"."notification" ("provider_message_id")`);
    await queryRunner.query(`CREATE INDEX "notification_referral" ON "notifier"."notification" ("referral_id")`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."notification_attempt" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "notification_id" uuid NOT NULL REFERENCES "notifier"."notification" ("id"),
        "attempt_no" integer NOT NULL,
        "provider" text NOT NULL,
        "outcome" text NOT NULL,
        "provider_message_id" text,
        "error" text,
        "started_at" timestamptz NOT NULL DEFAULT now(),
        "finished_at" timestamptz,
        UNIQUE ("notification_id", "attempt_no")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notifier"."notification_attempt"`);
    await queryRunner.query(`DROP TABLE "notifier"."notification"`);
  }
}
