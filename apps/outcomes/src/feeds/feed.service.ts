import { Injectable } from '@nestjs/common';
import { ProblemException, problem } from '@app/shared';
import { Commissioner } from '../commissioners/commissioner';
import { CommissionerLens, RepeatingSubjects, pseudonymisedSubject } from '../commissioners/commissioner-lens';
import { Secrets } from '../privacy/secrets';
import { FeedFilters } from './feed-filters';
import { EventRow, FeedStore } from './feed.store';

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
  hasMore: boolean;
  /** The page's events when it fits in one read batch, read while fixing its bounds; null when it is read in batches. */
  events: EventRow[] | null;
}

/** Events read (and held) at once: the default page of 1,000 is one read. */
const READ_BATCH = 1000;

/**
 * Reads the outcome feed for one commissioner: scope and filters in SQL, keyset pages by feed position,
 * and rows produced batch by batch so a large page streams instead of sitting in memory.
 */
@Injectable()
export class FeedService {
  constructor(
    private readonly store: FeedStore,
    private readonly secrets: Secrets,
  ) {}

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
    await this.store.assignPositions();
    // `since` without a cursor: start where the first such event can be, not at the beginning of the store.
    if (after === 0 && filters.since) after = await this.store.positionBefore(filters.since);
    if (limit <= READ_BATCH) {
      // The page itself, and one event more to tell whether another page follows: one read.
      const events = await this.store.events(commissioner, filters, after, null, limit + 1);
      const hasMore = events.length > limit;
      if (hasMore) events.pop();
      return { after, last: events.length ? Number(events[events.length - 1].feed_position) : null, hasMore, events };
    }
    const { last, hasMore } = await this.store.bounds(commissioner, filters, after, limit);
    return { after, last, hasMore, events: null };
  }

  /** The page's rows, one array per read batch: each is serialised and written as one chunk. */
  async *rows(lens: CommissionerLens, filters: FeedFilters, page: FeedPage): AsyncGenerator<FeedRow[]> {
    const subjects = new RepeatingSubjects(lens);
    if (page.events) {
      yield page.events.map((row) => this.shape(lens, subjects, row));
      return;
    }
    if (page.last === null) return;
    let from = page.after;
    for (;;) {
      const batch = await this.store.events(lens.commissioner, filters, from, page.last, READ_BATCH);
      yield batch.map((row) => this.shape(lens, subjects, row));
      if (batch.length < READ_BATCH) return;
      from = Number(batch[batch.length - 1].feed_position);
    }
  }

  private shape(lens: CommissionerLens, subjects: RepeatingSubjects, row: EventRow): FeedRow {
    const data = row.data as Record<string, unknown> & { score?: Record<string, number> };
    const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
    return {
      eventRef: lens.eventRef(row.event_id),
      eventType: row.type,
      occurredOn: row.occurred_on,
      ...pseudonymisedSubject(subjects, row),
      recipientType: text(data.recipientType) ?? (data.recordedBy as { kind?: string } | undefined)?.kind ?? null,
      organisationId: text(data.organisationId),
      channel: text(data.channel),
      reason: text(data.reason),
      measure: text(data.measure),
      timepoint: text(data.timepoint),
      score: data.score ?? null,
    };
  }

}
