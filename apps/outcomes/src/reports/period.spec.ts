import { FieldProblem, ProblemException } from '@app/shared';
import { QueryProblems } from '../http/query-problems';
import { parsePeriod } from './period';

function problemsOf(problems: QueryProblems): FieldProblem[] {
  try {
    problems.throwIfAny();
    return [];
  } catch (error) {
    return (error as ProblemException).problem.errors ?? [];
  }
}

describe('parsePeriod', () => {
  it.each([
    ['2026', '2026', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    [' 2026 ', '2026', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-Q1', '2026-Q1', '2026-01-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
    ['2026-q4', '2026-Q4', '2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-11', '2026-11', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['2026-12', '2026-12', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2024-02', '2024-02', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
  ])('reads %p as %s, from %s up to (not including) %s', (value, label, from, to) => {
    const problems = new QueryProblems();
    const period = parsePeriod(value, problems);
    expect(period && { label: period.label, from: period.from.toISOString(), to: period.to.toISOString() }).toEqual({ label, from, to });
    expect(problemsOf(problems)).toEqual([]);
  });

  it.each([undefined, '', '26', '2026-Q5', '2026-Q0', '2026-13', '2026-00', '2026-1', '2026-11-01', 'last year', 2026, ['2026']])('refuses %p, naming the period parameter', (value) => {
    const problems = new QueryProblems();
    expect(parsePeriod(value, problems)).toBeNull();
    expect(problemsOf(problems)).toEqual([{ pointer: '/period', detail: 'period must be a year (2026), a quarter (2026-Q4) or a month (2026-11)' }]);
  });
});
