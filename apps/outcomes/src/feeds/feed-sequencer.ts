import { DataSource } from 'typeorm';

const SEQUENCER_LOCK = 7131_0001;
const BATCH = 5000;

/**
 * Gives committed events their feed position, in commit order.
 *
 * The store's "seq" is taken from a sequence at insert time, and transactions commit out of that order:
 * a reader paging by seq could pass seq 11 (committed) while seq 10 is still in flight, and never see 10.
 * Positions are instead handed out here, by one transaction at a time (an advisory lock held until
 * commit), and only to rows already committed. Every position handed out later is therefore larger than
 * every position a reader could already have seen, so cursor paging by position never skips or repeats.
 * Events of a referral whose referral.received has not arrived wait, because they cannot be placed in
 * anyone's area yet.
 */
export class FeedSequencer {
  constructor(private readonly dataSource: DataSource) {}

  async assignPositions(): Promise<number> {
    let total = 0;
    for (;;) {
      const assigned = await this.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT pg_advisory_xact_lock($1)`, [SEQUENCER_LOCK]);
        // Within one batch, positions follow occurrence so a referral's history reads in order.
        const [, count] = await manager.query(
          `WITH pending AS (
             SELECT u."seq", u."occurred_at" FROM "outcomes"."outcome_event" u
             JOIN "outcomes"."referral" r ON r."referral_id" = u."referral_id" AND r."received_at" IS NOT NULL
             WHERE u."feed_position" IS NULL ORDER BY u."seq" LIMIT $1
           ), numbered AS (
             SELECT ordered."seq", nextval('"outcomes"."feed_position_seq"') AS "position"
             FROM (SELECT "seq" FROM pending ORDER BY "occurred_at", "seq") ordered
           )
           UPDATE "outcomes"."outcome_event" AS e SET "feed_position" = numbered."position" FROM numbered WHERE e."seq" = numbered."seq"`,
          [BATCH],
        );
        return Number(count);
      });
      total += assigned;
      if (assigned < BATCH) return total;
    }
  }
}
