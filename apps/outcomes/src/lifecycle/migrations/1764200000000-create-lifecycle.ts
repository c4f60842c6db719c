import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateLifecycle1764200000000 implements MigrationInterface {
  name = 'CreateLifecycle1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The event store. feed_position is given once, after commit, in commit order (see FeedStore.assignPositions):
    // "seq" comes from a sequence at insert time, and transactions can commit out of seq order.
    await queryRunner.query(`
      CREATE TABLE "outcomes"."outcome_event" (
        "seq" bigserial PRIMARY KEY,
        "event_id" uuid NOT NULL,
        "type" text NOT NULL,
        "version" integer NOT NULL,
        "referral_id" uuid NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "source" text NOT NULL,
        "correlation_id" text NOT NULL,
        "data" jsonb NOT NULL,
        "stored_at" timestamptz NOT NULL DEFAULT now(),
        "feed_position" bigint,
        CONSTRAINT "outcome_event_event_id" UNIQUE ("event_id"),
        CONSTRAINT "outcome_event_feed_position" UNIQUE ("feed_position")
      )`);
    await queryRunner.query(`CREATE INDEX "outcome_event_referral" ON "outcomes"."outcome_event" ("referral_id", "occurred_at", "seq")`);
    await queryRunner.query(`CREATE INDEX "outcome_event_unpositioned" ON "outcomes"."outcome_event" ("seq") WHERE "feed_position" IS NULL`);
    await queryRunner.query(`CREATE SEQUENCE "outcomes"."feed_position_seq"`);
    // Append-only: no deletes, and the only change a row ever sees is receiving its feed position once.
    await queryRunner.query(`
      CREATE FUNCTION "outcomes"."outcome_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'outcome_event is append-only';
        END IF;
        IF OLD.feed_position IS NOT NULL OR (to_jsonb(NEW) - 'feed_position') <> (to_jsonb(OLD) - 'feed_position') THEN
          RAISE EXCEPTION 'outcome_event is append-only: only an unset feed_position may be set';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "outcome_event_append_only" BEFORE UPDATE OR DELETE ON "outcomes"."outcome_event"
      FOR EACH ROW EXECUTE FUNCTION "outcomes"."outcome_event_append_only"()`);

    await queryRunner.query(`
      CREATE TABLE "outcomes"."referral" (
        "referral_id" uuid PRIMARY KEY,
        "status" text,
        "practice_ods_code" text,
        "pcn_ods_code" text,
        "sub_icb_code" text,
        "icb_code" text,
        "needs" text[] NOT NULL DEFAULT '{}',
        "urgency" text,
        "age_band" text,
        "sex" text,
        "postcode_district" text,
        "assignees" text[] NOT NULL DEFAULT '{}',
        "organisation_ids" text[] NOT NULL DEFAULT '{}',
        "received_at" timestamptz,
        "routed_at" timestamptz,
        "accepted_at" timestamptz,
        "declined_at" timestamptz,
        "first_contact_at" timestamptz,
        "first_session_at" timestamptz,
        "completed_at" timestamptz,
        "closed_at" timestamptz,
        "sessions_attended" integer NOT NULL DEFAULT 0,
        "sessions_missed" integer NOT NULL DEFAULT 0,
        "decline_reason" text,
        "close_reason" text,
        "last_event_at" timestamptz,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "referral_practice" ON "outcomes"."referral" ("practice_ods_code")`);
    await queryRunner.query(`CREATE INDEX "referral_received_at" ON "outcomes"."referral" ("received_at")`);
    await queryRunner.query(`
      CREATE TABLE "outcomes"."referral_identity" (
        "referral_id" uuid PRIMARY KEY,
        "nhs_number_sealed" text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "outcomes"."referral_anomaly" (
        "event_id" uuid PRIMARY KEY,
        "referral_id" uuid NOT NULL,
        "event_type" text NOT NULL,
        "from_status" text,
        "reason" text NOT NULL,
        "detected_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "referral_anomaly_referral" ON "outcomes"."referral_anomaly" ("referral_id")`);
    await queryRunner.query(`
      CREATE TABLE "outcomes"."measure" (
        "id" uuid PRIMARY KEY,
        "event_id" uuid NOT NULL UNIQUE,
        "referral_id" uuid NOT NULL,
        "measure" text NOT NULL,
        "timepoint" text NOT NULL,
        "items" integer[] NOT NULL,
        "score" jsonb NOT NULL,
        "recorded_at" timestamptz NOT NULL,
        "recorded_by_kind" text NOT NULL,
        "recorded_by_id" text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "measure_referral" ON "outcomes"."measure" ("referral_id", "measure", "timepoint")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['measure', 'referral_anomaly', 'referral_identity', 'referral', 'outcome_event']) {
      await queryRunner.query(`DROP TABLE "outcomes"."${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION "outcomes"."outcome_event_append_only"()`);
    await queryRunner.query(`DROP SEQUENCE "outcomes"."feed_position_seq"`);
  }
}
