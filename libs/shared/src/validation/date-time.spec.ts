import { FieldProblem } from '../http/problem-details';
import { isCalendarDateOrDateTime, isCalendarDateTime, pastMoment, reportedMoment } from './date-time';

describe('calendar dates and date-times', () => {
  it.each(['2026-11-24T09:30:00Z', '2026-11-24T09:30Z', '2026-11-24T09:30:00.123456789Z', '2026-11-24T09:30:00+01:00', '2026-11-24t09:30:00z', '2024-02-29T00:00:00Z'])(
    'takes %p as a date-time',
    (value) => expect(isCalendarDateTime(value)).toBe(true),
  );

  it.each(['2026-11-24', '2026-11-24T09:30:00', '2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-11-24T24:00:00Z', '2026-11-24T09:60:00Z', '2026-W48-2T09:00:00Z', '2026-11-24 09:30:00Z', 20261124, null])(
    'refuses %p as a date-time',
    (value) => expect(isCalendarDateTime(value)).toBe(false),
  );

  it.each([
    ['2026-11-24', true],
    ['2026-11-24T09:30:00Z', true],
    ['2026-02-30', false],
    ['2026-13-01', false],
    ['2026-332', false],
    ['24/11/2026', false],
    ['', false],
  ])('reads %p as a date or date-time: %p', (value, ok) => expect(isCalendarDateOrDateTime(value)).toBe(ok));
});

describe('pastMoment', () => {
  const now = new Date('2026-11-25T12:00:00Z');

  it.each([
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['2026-11-25T11:00:00+01:00', '2026-11-25T10:00:00.000Z'],
    ['2026-11-25T12:05:00Z', '2026-11-25T12:05:00.000Z'],
  ])('takes %p as %s', (value, iso) => expect((pastMoment(value, now) as Date).toISOString()).toBe(iso));

  it.each([
    ['2026-11-25T12:05:01Z', 'future'],
    ['2026-11-26', 'future'],
    ['2026-02-30', 'malformed'],
    ['yesterday', 'malformed'],
    [1764072000000, 'malformed'],
    [undefined, 'malformed'],
  ])('refuses %p as %s', (value, why) => expect(pastMoment(value, now)).toBe(why));

  it('takes only a date-time when asked to', () => {
    expect(pastMoment('2026-11-20', now, { dateTimeOnly: true })).toBe('malformed');
    expect(pastMoment('2026-11-20T08:00:00Z', now, { dateTimeOnly: true })).toEqual(new Date('2026-11-20T08:00:00Z'));
  });
});

describe('reportedMoment', () => {
  const now = new Date('2026-11-25T12:00:00Z');

  it.each<[string, Record<string, unknown>, Date, FieldProblem[]]>([
    ['now when the field is left out', {}, now, []],
    ['the moment given', { seenAt: '2026-11-24' }, new Date('2026-11-24T00:00:00Z'), []],
    ['a problem for a moment to come', { seenAt: '2026-11-26' }, now, [{ pointer: '/seenAt', detail: 'seenAt must not be in the future' }]],
    ['a problem for a malformed one', { seenAt: 'soon' }, now, [{ pointer: '/seenAt', detail: 'seenAt must be an ISO 8601 date or date-time' }]],
    ['a problem for null', { seenAt: null }, now, [{ pointer: '/seenAt', detail: 'seenAt must be an ISO 8601 date or date-time' }]],
  ])('gives %s', (_case, body, moment, problems) => {
    const found: FieldProblem[] = [];
    expect(reportedMoment(body, 'seenAt', now, found)).toEqual(moment);
    expect(found).toEqual(problems);
  });
});
