import { ALL_EVENT_TYPES, isPcnOdsCode, isPracticeOdsCode } from '@app/shared';
import { QueryProblems, listParameter, timeParameter } from '../http/query-problems';

export interface FeedFilters {
  since: Date | null;
  until: Date | null;
  practices: string[];
  pcns: string[];
  organisations: string[];
  needs: string[];
  types: string[];
}

export interface FeedQuery {
  after?: string;
  limit?: string;
  since?: string;
  until?: string;
  practice?: string;
  pcn?: string;
  organisation?: string;
  need?: string;
  type?: string;
}

export const DEFAULT_PAGE_SIZE = 1000;

export function parseFeedQuery(query: FeedQuery, maxPageSize: number): { filters: FeedFilters; limit: number; after: string | null } {
  const problems = new QueryProblems();
  const since = timeParameter(problems, 'since', query.since);
  const until = timeParameter(problems, 'until', query.until);
  if (since && until && since > until) problems.add('until', 'until must not be before since');
  const practices = listParameter(query.practice);
  for (const code of practices) if (!isPracticeOdsCode(code)) problems.add('practice', `${code} is not a practice ODS code`);
  const pcns = listParameter(query.pcn);
  for (const code of pcns) if (!isPcnOdsCode(code)) problems.add('pcn', `${code} is not a PCN ODS code`);
  const organisations = listParameter(query.organisation);
  for (const id of organisations) if (!/^[0-9a-f-]{36}$/i.test(id)) problems.add('organisation', `${id} is not an organisation id`);
  const needs = listParameter(query.need);
  const types = listParameter(query.type);
  for (const type of types) if (!ALL_EVENT_TYPES.includes(type as never)) problems.add('type', `${type} is not an event type`);
  let limit = DEFAULT_PAGE_SIZE;
  if (query.limit !== undefined && query.limit !== '') {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
      problems.add('limit', `limit must be a whole number from 1 to ${maxPageSize}`);
    }
  }
  problems.throwIfAny();
  return { filters: { since, until, practices, pcns, organisations, needs, types }, limit, after: query.after || null };
}
