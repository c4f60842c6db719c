import { dueAfter, loadBankHolidays } from './reminder-schedule';

describe('dueAfter', () => {
  it('counts working days, skipping the weekend', () => {
    expect(dueAfter(new Date('2026-03-05T10:00:00Z'), 3).toISOString()).toBe('2026-03-10T10:00:00.000Z');
    expect(dueAfter(new Date('2026-03-02T10:00:00Z'), 3).toISOString()).toBe('2026-03-05T10:00:00.000Z');
    expect(dueAfter(new Date('2026-03-07T10:00:00Z'), 1).toISOString()).toBe('2026-03-09T10:00:00.000Z');
  });

  it('skips the bank holidays in the shipped list (Easter 2026)', () => {
    const holidays = loadBankHolidays();
    expect(holidays.has('2026-04-03')).toBe(true);
    expect(dueAfter(new Date('2026-04-02T10:00:00Z'), 3, undefined, holidays).toISOString()).toBe('2026-04-09T10:00:00.000Z');
  });

  it('uses a configured plain delay instead', () => {
    expect(dueAfter(new Date('2026-03-05T10:00:00Z'), 3, 1500).toISOString()).toBe('2026-03-05T10:00:01.500Z');
  });
});
