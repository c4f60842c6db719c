import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Commissioner, scopeCondition } from '../commissioners/commissioner';
import { SubjectColumns } from '../commissioners/commissioner-lens';
import { OUTCOMES_SCHEMA } from '../environment';
import { FeedFilters } from './feed-filters';

const S = `"${OUTCOMES_SCHEMA}"`;
/** The advisory lock sequencer transactions hold until they commit. */
export const SEQUENCER_LOCK = 7131_0001;
const BATCH = 5000;

export interface EventRow extends SubjectColumns {
  feed_position: string;
  event_id: string;
  type: string;
  /** The UTC date of occurrence, YYYY-MM-DD: the only part of the instant a feed row carries. */
  occurred_on: string;
  data: Record<string, unknown>;
}

/**
 * The feed's reads over the event store and projection, cut to a commissioner's scope and filters.
 *
 * assignPositions gives committed events their feed position, in commit order.
 *
 * The store's "seq" is taken from a sequence at insert time, and transactions commit out of that order:
 * a reader paging by seq could pass seq 11 (committed) while seq 10 is still in flight, and never see 10.
 * Positions are instead handed out here, by one transaction at a time (an advisory lock held until
 * commit), and only to rows already committed. Every position handed out later is therefore larger than
 * every position a reader could already have seen, so cursor paging by position never skips or repeats.
 * Events of a referral whose referral.received has not arrived wait, because they cannot be placed in
 * anyone's area yet.
 *
 * Readers take no lock: they read positions already committed. That is safe because handing out is
 * serialised and nextval only grows, so positions still in flight (in the one sequencer transaction that
 * can be open) are all larger than every committed position, and become visible all at once.
 */
@Injectable()
export class FeedStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async assignPositions(): Promise<number> {
    // Most reads find nothing to position: a lock-free look first spares them the transaction (BEGIN, the
    // advisory lock, the statement, COMMIT) and a wait behind another reader's sequencer. Skipping is safe:
    // "nothing pending" means every event committed before this look already has a committed position, so
    // this read sees everything it would have after positioning. Events committed after the look are events
    // committed after the read, positioned by a later read, larger than anything this one can see. Rows a
    // sequencer transaction is positioning right now still read as pending here (its update is not
    // committed), so this read then waits for its lock as before and sees them positioned.
    if (!(await this.anyPending())) return 0;
    let total = 0;
    for (;;) {
      const assigned = await this.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT pg_advisory_xact_lock($1)`, [SEQUENCER_LOCK]);
        // Within one batch, positions follow occurrence so a referral's history reads in order. The batch
        // leaves its mark (see FeedPositionMarks1764600000000) in the same transaction.
        const [{ count }] = await manager.query(
          `WITH pending AS (
             SELECT u."seq", u."occurred_at" FROM ${S}."outcome_event" u
             JOIN ${S}."referral" r ON r."referral_id" = u."referral_id" AND r."received_at" IS NOT NULL
             WHERE u."feed_position" IS NULL ORDER BY u."seq" LIMIT $1
           ), numbered AS (
             SELECT ordered."seq", nextval('${S}."feed_position_seq"') AS "position"
             FROM (SELECT "seq" FROM pending ORDER BY "occurred_at", "seq") ordered
           ), positioned AS (
             UPDATE ${S}."outcome_event" AS e SET "feed_position" = numbered."position" FROM numbered WHERE e."seq" = numbered."seq"
             RETURNING e."feed_position", e."occurred_at"
           ), marked AS (
             INSERT INTO ${S}."feed_position_mark" ("first_position", "occurred_until")
             SELECT min("feed_position"), greatest(max("occurred_at"), (SELECT "occurred_until" FROM ${S}."feed_position_mark" ORDER BY "first_position" DESC LIMIT 1))
             FROM positioned HAVING count(*) > 0
             RETURNING 1
           )
           SELECT count(*)::int AS "count" FROM positioned`,
          [BATCH],
        );
        return Number(count);
      });
      total += assigned;
      if (assigned < BATCH) return total;
    }
  }

  /** Whether any committed event waits for a position that it can be given now (same condition as the sequencer's). */
  private async anyPending(): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `SELECT EXISTS (
         SELECT 1 FROM ${S}."outcome_event" u
         JOIN ${S}."referral" r ON r."referral_id" = u."referral_id" AND r."received_at" IS NOT NULL
         WHERE u."feed_position" IS NULL) AS "pending"`,
    );
    return row.pending;
  }

  /**
   * The position a read of events that occurred at or after `since` can start after: the first mark whose
   * running maximum occurrence reaches `since` (no event before it occurred so late), or the last position
   * handed out when none does (every event positioned so far occurred earlier).
   */
  async positionBefore(since: Date): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT coalesce(
         (SELECT "first_position" - 1 FROM ${S}."feed_position_mark" WHERE "occurred_until" >= $1 ORDER BY "occurred_until", "first_position" LIMIT 1),
         (SELECT max("feed_position") FROM ${S}."outcome_event"),
         0) AS "position"`,
      [since],
    );
    return Number(row.position);
  }

  /** The `limit`-th event after position `after` (or the last, when fewer follow), and whether any follows it: one read of limit + 1 positions. */
  async bounds(commissioner: Commissioner, filters: FeedFilters, after: number, limit: number): Promise<{ last: number | null; hasMore: boolean }> {
    const where = this.where(commissioner, filters, 1);
    const params = [...where.params, after];
    const [bounds] = await this.serialQuery<{ last: string | null; more: boolean }>(
      `SELECT max(p) FILTER (WHERE n <= ${Number(limit)}) AS "last", count(*) > ${Number(limit)} AS "more" FROM (
         SELECT e."feed_position" AS p, row_number() OVER (ORDER BY e."feed_position") AS n
         FROM ${S}."outcome_event" e JOIN ${S}."referral" r ON r."referral_id" = e."referral_id"
         WHERE ${where.sql} AND e."feed_position" > $${params.length} ORDER BY e."feed_position" LIMIT ${Number(limit) + 1}) page`,
      params,
    );
    return { last: bounds.last === null ? null : Number(bounds.last), hasMore: bounds.more };
  }

  /** Events in (from, to], or after `from` when `to` is null, in feed order, at most `limit`. */
  async events(commissioner: Commissioner, filters: FeedFilters, from: number, to: number | null, limit: number): Promise<EventRow[]> {
    const where = this.where(commissioner, filters, 1);
    const params: unknown[] = [...where.params, from];
    const upTo = to === null ? '' : `AND e."feed_position" <= $${params.push(to)}`;
    return this.serialQuery<EventRow>(
      `SELECT e."feed_position", e."event_id", e."referral_id", e."type", to_char(e."occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "occurred_on", e."data",
              r."age_band", r."sex", r."postcode_district", r."practice_ods_code", r."pcn_ods_code", r."sub_icb_code", r."icb_code", r."needs", r."urgency",
              i."nhs_number_sealed"
       FROM ${S}."outcome_event" e
       JOIN ${S}."referral" r ON r."referral_id" = e."referral_id"
       LEFT JOIN ${S}."referral_identity" i ON i."referral_id" = e."referral_id"
       WHERE ${where.sql} AND e."feed_position" > $${where.params.length + 1} ${upTo}
       ORDER BY e."feed_position" LIMIT ${Number(limit)}`,
      params,
    );
  }

  /**
   * A read of a page planned without parallel workers. A filter that keeps one event in eight (one practice
   * of eight) walks eight positions per row it returns; the planner then chose a parallel plan whose workers
   * took longer to start (15-30 ms on two cores) than the whole walk takes serially (about 10 ms).
   */
  private async serialQuery<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL max_parallel_workers_per_gather = 0`);
      return manager.query(sql, params);
    });
  }

  private where(commissioner: Commissioner, filters: FeedFilters, firstIndex: number): { sql: string; params: unknown[] } {
    const scope = scopeCondition(commissioner, 'r', firstIndex);
    const clauses = [scope.sql];
    const params = [...scope.params];
    const bind = (value: unknown) => {
      params.push(value);
      return `$${firstIndex + params.length - 1}`;
    };
    if (filters.since) clauses.push(`e."occurred_at" >= ${bind(filters.since)}`);
    if (filters.until) clauses.push(`e."occurred_at" < ${bind(filters.until)}`);
    if (filters.practices.length) clauses.push(`r."practice_ods_code" = ANY(${bind(filters.practices)}::text[])`);
    if (filters.pcns.length) clauses.push(`r."pcn_ods_code" = ANY(${bind(filters.pcns)}::text[])`);
    if (filters.organisations.length) clauses.push(`r."organisation_ids" && ${bind(filters.organisations)}::text[]`);
    if (filters.needs.length) clauses.push(`r."needs" && ${bind(filters.needs)}::text[]`);
    if (filters.types.length) clauses.push(`e."type" = ANY(${bind(filters.types)}::text[])`);
    return { sql: clauses.join(' AND '), params };
  }
}
