import { FieldProblem, ProblemException } from '@app/shared';
import { DEFAULT_PAGE_SIZE, FeedQuery, parseFeedQuery } from './feed-filters';

const ORGANISATION = 'b1946ac9-2fbd-4b35-9f1a-3c5f8a0e1d2c';

function problemsOf(query: FeedQuery, maxPageSize = 5000): FieldProblem[] {
  try {
    parseFeedQuery(query, maxPageSize);
    return [];
  } catch (error) {
    expect((error as ProblemException).getStatus()).toBe(400);
    return (error as ProblemException).problem.errors ?? [];
  }
}

describe('parseFeedQuery', () => {
  it('takes an empty query as everything, a default page, from the start', () => {
    expect(parseFeedQuery({}, 5000)).toEqual({
      filters: { since: null, until: null, practices: [], pcns: [], organisations: [], needs: [], types: [] },
      limit: DEFAULT_PAGE_SIZE,
      after: null,
    });
  });

  it('reads every filter, lists split on commas and trimmed', () => {
    const parsed = parseFeedQuery(
      {
        after: 'cursor-1',
        limit: '250',
        since: '2026-11-01',
        until: '2026-11-30T23:59:59Z',
        practice: 'A81001, A81002',
        pcn: 'U81001',
        organisation: ORGANISATION,
        need: 'loneliness,housing,',
        type: 'referral.received,referral.routed',
      },
      5000,
    );
    expect(parsed).toEqual({
      filters: {
        since: new Date('2026-11-01T00:00:00Z'),
        until: new Date('2026-11-30T23:59:59Z'),
        practices: ['A81001', 'A81002'],
        pcns: ['U81001'],
        organisations: [ORGANISATION],
        needs: ['loneliness', 'housing'],
        types: ['referral.received', 'referral.routed'],
      },
      limit: 250,
      after: 'cursor-1',
    });
  });

  it.each<[string, FeedQuery, number]>([
    ['an empty limit as the default', { limit: '' }, DEFAULT_PAGE_SIZE],
    ['the smallest page', { limit: '1' }, 1],
    ['the largest page allowed', { limit: '5000' }, 5000],
  ])('takes %s', (_case, query, limit) => {
    expect(parseFeedQuery(query, 5000).limit).toBe(limit);
  });

  it('takes an empty cursor as the start', () => {
    expect(parseFeedQuery({ after: '' }, 5000).after).toBeNull();
  });

  it.each<[string, FeedQuery, FieldProblem[]]>([
    ['a limit of 0', { limit: '0' }, [{ pointer: '/limit', detail: 'limit must be a whole number from 1 to 5000' }]],
    ['a limit over the maximum', { limit: '5001' }, [{ pointer: '/limit', detail: 'limit must be a whole number from 1 to 5000' }]],
    ['a fractional limit', { limit: '2.5' }, [{ pointer: '/limit', detail: 'limit must be a whole number from 1 to 5000' }]],
    ['a limit that is not a number', { limit: 'ten' }, [{ pointer: '/limit', detail: 'limit must be a whole number from 1 to 5000' }]],
    ['a since that is not a date', { since: 'yesterday' }, [{ pointer: '/since', detail: 'since must be an ISO 8601 date or date-time' }]],
    ['an impossible date', { until: '2026-02-30T25:00:00Z' }, [{ pointer: '/until', detail: 'until must be an ISO 8601 date or date-time' }]],
    ['a day the month does not have', { since: '2026-02-30' }, [{ pointer: '/since', detail: 'since must be an ISO 8601 date or date-time' }]],
    ['a date-time without an offset (whose clock?)', { since: '2026-11-01T10:00' }, [{ pointer: '/since', detail: 'since must be an ISO 8601 date or date-time' }]],
    ['until before since', { since: '2026-11-02', until: '2026-11-01' }, [{ pointer: '/until', detail: 'until must not be before since' }]],
    ['a practice code of the wrong shape', { practice: 'A81001,a81002' }, [{ pointer: '/practice', detail: 'a81002 is not a practice ODS code' }]],
    ['a practice code given as a PCN', { pcn: 'A81001' }, [{ pointer: '/pcn', detail: 'A81001 is not a PCN ODS code' }]],
    ['an organisation that is not an id', { organisation: 'Allotments' }, [{ pointer: '/organisation', detail: 'Allotments is not an organisation id' }]],
    ['an unknown event type', { type: 'referral.exploded' }, [{ pointer: '/type', detail: 'referral.exploded is not an event type' }]],
  ])('refuses %s with a 400 naming the parameter', (_case, query, problems) => {
    expect(problemsOf(query)).toEqual(problems);
  });

  it('names every bad parameter at once', () => {
    expect(problemsOf({ limit: '0', pcn: 'X', since: 'soon' }).map((problem) => problem.pointer)).toEqual(['/since', '/pcn', '/limit']);
  });

  it('keeps the maximum page size it is given', () => {
    expect(problemsOf({ limit: '101' }, 100)).toEqual([{ pointer: '/limit', detail: 'limit must be a whole number from 1 to 100' }]);
  });
});
