import { dueAfter, loadBankHolidays, pendingReminder } from './reminder-schedule';

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

describe('pendingReminder', () => {
  const task = { id: 't-1', reminderDueAt: null, remindedAt: null, escalationDueAt: null, escalatedAt: null, correlationId: 'c-1' };
  const due = new Date('2026-03-10T10:00:00Z');

  it('is the reminder until it happened, then the escalation, then nothing', () => {
    expect(pendingReminder({ ...task, reminderDueAt: due })).toEqual({ taskId: 't-1', stage: 'reminder', dueAt: due, correlationId: 'c-1' });
    expect(pendingReminder({ ...task, reminderDueAt: due, remindedAt: due, escalationDueAt: due })).toEqual({ taskId: 't-1', stage: 'escalation', dueAt: due, correlationId: 'c-1' });
    expect(pendingReminder({ ...task, reminderDueAt: due, remindedAt: due, escalationDueAt: due, escalatedAt: due })).toBeUndefined();
    expect(pendingReminder(task)).toBeUndefined();
  });
});
