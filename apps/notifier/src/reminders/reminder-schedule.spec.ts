import { dueAfter, parseHolidays } from './reminder-schedule';

describe('dueAfter', () => {
  it('counts working days, skipping the weekend', () => {
    expect(dueAfter(new Date('2026-03-05T10:00:00Z'), 3).toISOString()).toBe('2026-03-10T10:00:00.000Z');
    expect(dueAfter(new Date('2026-03-02T10:00:00Z'), 3).toISOString()).toBe('2026-03-05T10:00:00.000Z');
    expect(dueAfter(new Date('2026-03-07T10:00:00Z'), 1).toISOString()).toBe('2026-03-09T10:00:00.000Z');
  });

  it('skips configured bank holidays', () => {
    const easter = parseHolidays('2026-04-03, 2026-04-06');
    expect(dueAfter(new Date('2026-04-02T10:00:00Z'), 3, undefined, easter).toISOString()).toBe('2026-04-09T10:00:00.000Z');
  });

  it('uses a configured plain delay instead', () => {
    expect(dueAfter(new Date('2026-03-05T10:00:00Z'), 3, 1500).toISOString()).toBe('2026-03-05T10:00:01.500Z');
  });
});
