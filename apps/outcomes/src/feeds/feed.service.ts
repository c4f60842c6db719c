import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ProblemException, problem } from '@app/shared';
import { Commissioner, scopeCondition } from '../commissioners/commissioner';
import { CommissionerLens, SubjectColumns, pseudonymisedSubject } from '../commissioners/commissioner-lens';
import { Secrets } from '../privacy/secrets';
import { FeedFilters } from './feed-filters';
import { FeedSequencer } from './feed-sequencer';

/** One pseudonymised feed row: never a name, NHS number, date of birth, address or contact detail. */
export interface FeedRow {
  eventRef: string;
  eventType: string;
  /** The UTC date, never the instant: an instant beside the practice code links two commissioners' feeds. */
  occurredOn: string;
  referralRef: string;
  pseudonym: string | null;
  ageBand: string | null;
  sex: string | null;
  postcodeDistrict: string | null;
  lsoa: string | null;
  practice: string | null;
  pcn: string | null;
  subIcb: string | null;
  icb: string | null;
  needs: string[];
  urgency: string | null;
  recipientType: string | null;
  organisationId: string | null;
  channel: string | null;
  reason: string | null;
  measure: string | null;
  timepoint: string | null;
  score: Record<string, number> | null;
}

export const FEED_COLUMNS: Array<keyof FeedRow> = [
  'eventRef',
  'eventType',
  'occurredOn',
  'referralRef',
  'pseudonym',
  'ageBand',
  'sex',
  'postcodeDistrict',
  'lsoa',
  'practice',
  'pcn',
  'subIcb',
  'icb',
  'needs',
  'urgency',
  'recipientType',
  'organisationId',
  'channel',
  'reason',
  'measure',
  'timepoint',
  'score',
];

export interface FeedPage {
  /** Rows in (after, last]; last is null for an empty page. */
  after: number;
  last: number | null;
  count: number;
  hasMore: boolean;
}

interface EventRow extends SubjectColumns {
  feed_position: string;
  event_id: string;
  type: string;
  occurred_at: Date;
  data: Record<string, unknown>;
}

const READ_BATCH = 500;

/**
 * Reads the outcome feed for one commissioner: scope and filters in SQL, keyset pages by feed position,
 * and rows produced batch by batch so a large page streams instead of sitting in memory.
 */
@Injectable()
export class FeedService {
  private readonly sequencer: FeedSequencer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: Secrets,
  ) {
    this.sequencer = new FeedSequencer(dataSource);
  }

  lensFor(commissioner: Commissioner): CommissionerLens {
    return new CommissionerLens(this.secrets, commissioner);
  }

  openCursor(lens: CommissionerLens, cursor: string | null): number {
    if (!cursor) return 0;
    const position = lens.openCursor(cursor);
    if (position === null) {
      throw new ProblemException(problem(400, 'The cursor is not one this feed gave you.', { errors: [{ pointer: '/after', detail: 'unknown cursor' }] }));
    }
    return position;
  }

  /** Fixes the page's bounds before any row is sent, so the next cursor can travel in the headers. */
  async page(commissioner: Commissioner, filters: FeedFilters, after: number, limit: number): Promise<FeedPage> {
    await this.sequencer.assignPositions();
    const where = this.where(commissioner, filters, 1);
    const params = [...where.params, after];
    const [bounds] = await this.dataSource.query(
      `SELECT count(*)::int AS "count", max(p) AS "last" FROM (
         SELECT e."feed_position" AS p FROM "outcomes"."outcome_event" e JOIN "outcomes"."referral" r ON r."referral_id" = e."referral_id"
         WHERE ${where.sql} AND e."feed_position" > $${params.length} ORDER BY e."feed_position" LIMIT ${Number(limit)}) page`,
      params,
    );
    const last = bounds.last === null ? null : Number(bounds.last);
    let hasMore = false;
    if (last !== null) {
      const [more] = await this.dataSource.query(
        `SELECT EXISTS (SELECT 1 FROM "outcomes"."outcome_event" e JOIN "outcomes"."referral" r ON r."referral_id" = e."referral_id"
         WHERE ${where.sql} AND e."feed_position" > $${params.length}) AS "more"`,
        [...where.params, last],
      );
      hasMore = more.more;
    }
    return { after, last, count: bounds.count, hasMore };
  }

  async *rows(lens: CommissionerLens, filters: FeedFilters, page: FeedPage): AsyncGenerator<FeedRow> {
    if (page.last === null) return;
    const where = this.where(lens.commissioner, filters, 1);
    let from = page.after;
    for (;;) {
      const params = [...where.params, from, page.last];
      const batch: EventRow[] = await this.dataSource.query(
        `SELECT e."feed_position", e."event_id", e."referral_id", e."type", e."occurred_at", e."data",
                r."age_band", r."sex", r."postcode_district", r."practice_ods_code", r."pcn_ods_code", r."sub_icb_code", r."icb_code", r."needs", r."urgency",
                i."nhs_number_sealed"
         FROM "outcomes"."outcome_event" e
         JOIN "outcomes"."referral" r ON r."referral_id" = e."referral_id"
         LEFT JOIN "outcomes"."referral_identity" i ON i."referral_id" = e."referral_id"
         WHERE ${where.sql} AND e."feed_position" > $${params.length - 1} AND e."feed_position" <= $${params.length}
         ORDER BY e."feed_position" LIMIT ${READ_BATCH}`,
        params,
      );
      for (const row of batch) yield this.shape(lens, row);
      if (batch.length < READ_BATCH) return;
      from = Number(batch[batch.length - 1].feed_position);
    }
  }

  private shape(lens: CommissionerLens, row: EventRow): FeedRow {
    const data = row.data as Record<string, unknown> & { score?: Record<string, number> };
    const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
    return {
      eventRef: lens.eventRef(row.event_id),
      eventType: row.type,
      occurredOn: row.occurred_at.toISOString().slice(0, 10),
      ...pseudonymisedSubject(lens, row),
      recipientType: text(data.recipientType) ?? (data.recordedBy as { kind?: string } | undefined)?.kind ?? null,
      organisationId: text(data.organisationId),
      channel: text(data.channel),
      reason: text(data.reason),
      measure: text(data.measure),
      timepoint: text(data.timepoint),
      score: data.score ?? null,
    };
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
