import { MigrationInterface, QueryRunner } from 'typeorm';
import { NOTIFIER_SCHEMA } from '../../environment';

const S = `"${NOTIFIER_SCHEMA}"`;

/**
 * The workspace's tables: the notifier's view of each referral's lifecycle, the person's details (sealed),
 * every view of them, what was recorded from our pages, and what each offer was for.
 */
export class CreateWorkspace1764100000020 implements MigrationInterface {
  name = 'CreateWorkspace1764100000020';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${S}."task" ADD COLUMN "needs" jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await queryRunner.query(`ALTER TABLE ${S}."task" ADD COLUMN "offered_by" text NOT NULL DEFAULT 'routing'`);
    await queryRunner.query(`ALTER TABLE ${S}."task" ADD COLUMN "withdrawn_at" timestamptz`);
    await queryRunner.query(`ALTER TABLE ${S}."task" ADD COLUMN "withdrawn_reason" text`);
    await queryRunner.query(`CREATE INDEX "task_recipient" ON ${S}."task" ("recipient_type", "recipient_id", "created_at" DESC)`);
    await queryRunner.query(`ALTER TABLE ${S}."routing_decision" ADD COLUMN "suggestions" jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await queryRunner.query(`
      CREATE TABLE ${S}."referral" (
        "referral_id" uuid PRIMARY KEY,
        "status" text NOT NULL,
        "link_worker_id" uuid,
        "needs" jsonb NOT NULL,
        "urgency" text NOT NULL,
        "practice_ods_code" text NOT NULL,
        "practice_name" text,
        "area" text,
        "received_at" timestamptz NOT NULL,
        "status_changed_at" timestamptz NOT NULL DEFAULT now(),
        "accepted_organisation_id" uuid,
        "contact_attempts" integer NOT NULL DEFAULT 0,
        "sessions_attended" integer NOT NULL DEFAULT 0,
        "sessions_missed" integer NOT NULL DEFAULT 0,
        "closed_at" timestamptz,
        "close_reason" text,
        "correlation_id" text
      )`);
    await queryRunner.query(`CREATE INDEX "referral_link_worker" ON ${S}."referral" ("link_worker_id", "received_at" DESC)`);
    await queryRunner.query(`
      CREATE TABLE ${S}."person_details" (
        "referral_id" uuid PRIMARY KEY,
        "sealed" text NOT NULL,
        "stored_at" timestamptz NOT NULL DEFAULT now(),
        "delete_after" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX "person_details_delete_after" ON ${S}."person_details" ("delete_after") WHERE "delete_after" IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE ${S}."details_view" (
        "id" bigserial PRIMARY KEY,
        "referral_id" uuid NOT NULL,
        "viewer_kind" text NOT NULL,
        "viewer_id" uuid NOT NULL,
        "viewer_email" text,
        "fields" text NOT NULL,
        "viewed_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "details_view_referral" ON ${S}."details_view" ("referral_id", "viewed_at")`);
    await queryRunner.query(`
      CREATE TABLE ${S}."recorded_outcome" (
        "id" uuid PRIMARY KEY,
        "referral_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "reason" text,
        "attempts" integer,
        "recorded_by_kind" text NOT NULL,
        "recorded_by_id" uuid NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "recorded_outcome_referral" ON ${S}."recorded_outcome" ("referral_id", "occurred_at")`);
    await queryRunner.query(`
      CREATE TABLE ${S}."recorded_measure" (
        "id" uuid PRIMARY KEY,
        "referral_id" uuid NOT NULL,
        "measure" text NOT NULL,
        "timepoint" text NOT NULL,
        "items" jsonb NOT NULL,
        "score" jsonb NOT NULL,
        "recorded_by_kind" text NOT NULL,
        "recorded_by_id" uuid NOT NULL,
        "recorded_at" timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "recorded_measure_referral" ON ${S}."recorded_measure" ("referral_id", "recorded_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['recorded_measure', 'recorded_outcome', 'details_view', 'person_details', 'referral']) {
      await queryRunner.query(`DROP TABLE ${S}."${table}"`);
    }
    await queryRunner.query(`ALTER TABLE ${S}."routing_decision" DROP COLUMN "suggestions"`);
    await queryRunner.query(`DROP INDEX ${S}."task_recipient"`);
    for (const column of ['withdrawn_reason', 'withdrawn_at', 'offered_by', 'needs']) {
      await queryRunner.query(`ALTER TABLE ${S}."task" DROP COLUMN "${column}"`);
    }
  }
}
