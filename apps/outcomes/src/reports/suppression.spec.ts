import { suppressCount, suppressStatistic, suppressTable } from './suppression';

const rule = { threshold: 7, base: 5 };

describe('small-number suppression', () => {
  it.each([
    [0, 0],
    [1, '*'],
    [2, '*'],
    [7, '*'],
    [8, 10],
    [10, 10],
    [12, 10],
    [13, 15],
    [17, 15],
    [18, 20],
    [22, 20],
    [23, 25],
    [1003, 1005],
  ])('shows a count of %i as %p', (count, shown) => {
    expect(suppressCount(count, rule)).toBe(shown);
  });

  it('follows a configured threshold and base', () => {
    expect(suppressCount(10, { threshold: 10, base: 10 })).toBe('*');
    expect(suppressCount(11, { threshold: 10, base: 10 })).toBe(10);
    expect(suppressCount(15, { threshold: 10, base: 10 })).toBe(20);
    expect(suppressCount(3, { threshold: 2, base: 1 })).toBe(3);
  });

  it('rounds a total from the unrounded counts, not from the rounded cells', () => {
    const cells = { a: 12, b: 12, c: 12 };
    const total = Object.values(cells).reduce((sum, count) => sum + count, 0);
    expect(suppressTable(cells, rule)).toEqual({ a: 10, b: 10, c: 10 });
    expect(suppressCount(total, rule)).toBe(35);
  });

  it('hides a statistic whenever the number of people behind it would be hidden', () => {
    expect(suppressStatistic(2.345, 0, rule)).toBeNull();
    expect(suppressStatistic(2.345, 7, rule)).toBe('*');
    expect(suppressStatistic(2.345, 8, rule)).toBe(2.35);
  });
});
