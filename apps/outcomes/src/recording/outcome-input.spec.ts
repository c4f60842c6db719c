import { CLOSE_REASONS, EventType, FieldProblem } from '@app/shared';
import { OUTCOME_EVENTS, OutcomeInput, validateOutcome } from './outcome-input';

const NOW = new Date('2026-11-25T12:00:00Z');
const TYPES = 'contacted, session-attended, did-not-attend, completed, closed';

const problemsOf = (body: unknown, allowed?: readonly string[]): FieldProblem[] => {
  const result = validateOutcome(body, NOW, allowed);
  return 'problems' in result ? result.problems : [];
};
const outcomeOf = (body: unknown): OutcomeInput | undefined => {
  const result = validateOutcome(body, NOW);
  return 'outcome' in result ? result.outcome : undefined;
};

describe('validateOutcome', () => {
  it.each(Object.keys(OUTCOME_EVENTS))('accepts type %s, occurring now when no time is given', (type) => {
    expect(outcomeOf({ type })).toEqual({ type, occurredAt: NOW, reason: null });
  });

  it('names one event for each outcome a recorder can give', () => {
    expect(OUTCOME_EVENTS).toEqual({
      contacted: EventType.ReferralContacted,
      'session-attended': EventType.SessionAttended,
      'did-not-attend': EventType.SessionMissed,
      completed: EventType.ReferralCompleted,
      closed: EventType.ReferralClosed,
    });
  });

  it.each([
    ['a date', '2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['a date-time in UTC', '2026-11-24T09:30:00Z', '2026-11-24T09:30:00.000Z'],
    ['a date-time with an offset', '2026-11-24T09:30:00+01:00', '2026-11-24T08:30:00.000Z'],
    ['fractions of a second', '2026-11-24T09:30:00.123Z', '2026-11-24T09:30:00.123Z'],
    ['a moment within five minutes ahead (clocks differ)', '2026-11-25T12:04:59Z', '2026-11-25T12:04:59.000Z'],
  ])('takes occurredAt as %s', (_case, occurredAt, iso) => {
    expect(outcomeOf({ type: 'contacted', occurredAt })?.occurredAt.toISOString()).toBe(iso);
  });

  it.each(CLOSE_REASONS)('records reason %s when closing', (reason) => {
    expect(outcomeOf({ type: 'closed', reason })).toEqual({ type: 'closed', occurredAt: NOW, reason });
  });

  it('takes a null reason as none', () => {
    expect(outcomeOf({ type: 'completed', reason: null })).toEqual({ type: 'completed', occurredAt: NOW, reason: null });
  });

  it.each<[string, unknown, FieldProblem[]]>([
    ['null', null, [{ pointer: '', detail: 'the body must be a JSON object' }]],
    ['an array', [{ type: 'contacted' }], [{ pointer: '', detail: 'the body must be a JSON object' }]],
    ['text', 'contacted', [{ pointer: '', detail: 'the body must be a JSON object' }]],
    ['no type', {}, [{ pointer: '/type', detail: `type must be one of ${TYPES}` }]],
    ['an unknown type', { type: 'cured' }, [{ pointer: '/type', detail: `type must be one of ${TYPES}` }]],
    ['a type from the prototype', { type: 'toString' }, [{ pointer: '/type', detail: `type must be one of ${TYPES}` }]],
    ['an event type instead of an outcome', { type: EventType.ReferralContacted }, [{ pointer: '/type', detail: `type must be one of ${TYPES}` }]],
    ['a time that is not a date', { type: 'contacted', occurredAt: 'yesterday' }, [{ pointer: '/occurredAt', detail: 'occurredAt must be an ISO 8601 date or date-time' }]],
    ['a time as a number', { type: 'contacted', occurredAt: 1764072000000 }, [{ pointer: '/occurredAt', detail: 'occurredAt must be an ISO 8601 date or date-time' }]],
    ['a date-time without an offset', { type: 'contacted', occurredAt: '2026-11-24T09:30:00' }, [{ pointer: '/occurredAt', detail: 'occurredAt must be an ISO 8601 date or date-time' }]],
    ['an impossible date', { type: 'contacted', occurredAt: '2026-13-01' }, [{ pointer: '/occurredAt', detail: 'occurredAt must be an ISO 8601 date or date-time' }]],
    ['a day the month does not have', { type: 'contacted', occurredAt: '2026-02-30' }, [{ pointer: '/occurredAt', detail: 'occurredAt must be an ISO 8601 date or date-time' }]],
    ['a time more than five minutes ahead', { type: 'contacted', occurredAt: '2026-11-25T12:05:01Z' }, [{ pointer: '/occurredAt', detail: 'occurredAt must not be in the future' }]],
    ['a reason when not closing', { type: 'completed', reason: 'other' }, [{ pointer: '/reason', detail: 'a reason is recorded only when closing a referral' }]],
    ['an unknown reason', { type: 'closed', reason: 'bored' }, [{ pointer: '/reason', detail: `reason must be one of ${CLOSE_REASONS.join(', ')}` }]],
    ['a reason that is not text', { type: 'closed', reason: 3 }, [{ pointer: '/reason', detail: `reason must be one of ${CLOSE_REASONS.join(', ')}` }]],
    ['a field outcomes do not have', { type: 'contacted', notes: 'x' }, [{ pointer: '/notes', detail: 'notes is not a field of an outcome' }]],
    ['a field whose name needs escaping', { type: 'contacted', 'a/b~c': 1 }, [{ pointer: '/a~1b~0c', detail: 'a/b~c is not a field of an outcome' }]],
  ])('refuses %s, naming the field', (_case, body, problems) => {
    expect(problemsOf(body)).toEqual(problems);
  });

  it('names every problem at once', () => {
    expect(problemsOf({ type: 'cured', occurredAt: 'soon', reason: 'other', extra: true }).map((problem) => problem.pointer)).toEqual(['/type', '/occurredAt', '/reason', '/extra']);
  });

  it('takes only the fields the caller allows', () => {
    expect(problemsOf({ type: 'contacted', referralId: 'r-1' }, ['type', 'referralId'])).toEqual([]);
    expect(problemsOf({ type: 'contacted', reason: null }, ['type'])).toEqual([{ pointer: '/reason', detail: 'reason is not a field of an outcome' }]);
  });
});
