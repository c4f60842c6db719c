import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRouting1764100000001 implements MigrationInterface {
  name = 'CreateRouting1764100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notifier"."routing_decision" (
        "referral_id" uuid PRIMARY KEY,
        "outcome" text NOT NULL,
        "link_worker_id" uuid,
        "pcn_ods_code" text,
        "area" text,
        "tasks" jsonb NOT NULL,
        "unrouted_reason" text,
        "decided_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "notifier"."task" (
        "id" uuid PRIMARY KEY,
        "referral_id" uuid NOT NULL,
        "recipient_type" text NOT NULL,
        "recipient_id" uuid NOT NULL,
        "reason" text NOT NULL,
        "status" text NOT NULL,
        "summary" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "decided_at" timestamptz,
        "decline_reason" text,
        "decline_text" text,
        "reminder_due_at" timestamptz,
        "reminded_at" timestamptz,
        "escalation_due_at" timestamptz,
        "escalated_at" timestamptz,
        UNIQUE ("referral_id", "recipient_type", "recipient_id")
      )`);
    await queryRunner.query(`CREATE INDEX "task_open_reminders" ON "notifier"."task" ("reminder_due_at", "escalation_due_at") WHERE "status" = 'open'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notifier"."task"`);
    await queryRunner.query(`DROP TABLE "notifier"."routing_decision"`);
  }
}
