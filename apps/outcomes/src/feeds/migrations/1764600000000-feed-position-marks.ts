import { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';

/** How many positions one mark covers when marks are made for events positioned before there were marks. */
const BACKFILL_SPAN = 5000;

/**
 * Marks for events that already have feed positions (those positioned before marks existed, or written
 * with their positions by a bench): one mark per BACKFILL_SPAN positions after the last mark, each with the
 * latest occurred_at of every event up to it.
 */
export async function markPositionedEvents(db: QueryRunner | EntityManager): Promise<void> {
  await db.query(
    `INSERT INTO "outcomes"."feed_position_mark" ("first_position", "occurred_until")
     SELECT min(e."feed_position"), greatest(max(max(e."occurred_at")) OVER (ORDER BY min(e."feed_position")), last."occurred_until")
     FROM "outcomes"."outcome_event" e
     LEFT JOIN LATERAL (SELECT "first_position", "occurred_until" FROM "outcomes"."feed_position_mark" ORDER BY "first_position" DESC LIMIT 1) last ON true
     WHERE e."feed_position" > coalesce(last."first_position", 0)
     GROUP BY e."feed_position" / ${BACKFILL_SPAN}, last."occurred_until"`,
  );
}

/**
 * Where a feed read with `since` and no cursor may start. Positions follow commit order, not occurrence
 * (a late event gets a late position), so no position index can answer "the first event that occurred
 * after T". Each batch of positions the sequencer hands out leaves a mark: its first position and the
 * latest occurred_at of every event positioned so far (a running maximum, so it only grows). The first mark
 * whose running maximum reaches T is where the first event occurred at or after T can be: no earlier
 * position holds one. One index probe instead of a scan of every event before T.
 */
export class FeedPositionMarks1764600000000 implements MigrationInterface {
  name = 'FeedPositionMarks1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "outcomes"."feed_position_mark" (
        "first_position" bigint PRIMARY KEY,
        "occurred_until" timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "feed_position_mark_occurred_until" ON "outcomes"."feed_position_mark" ("occurred_until", "first_position")`);
    await markPositionedEvents(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "outcomes"."feed_position_mark"`);
  }
}
