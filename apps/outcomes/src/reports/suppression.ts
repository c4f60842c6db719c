/**
 * Small-number disclosure control (the convention NHS England applies to secondary-care statistics, e.g. Hospital Episode Statistics): 0 stays 0, counts from
 * 1 to the threshold are shown as "*", larger counts are rounded to the nearest multiple of the base.
 * Totals are computed from unrounded counts and only then passed through here.
 */
export interface SuppressionRule {
  threshold: number;
  base: number;
}

export type SuppressedCount = number | '*';

export const SUPPRESSED = '*';

export function suppressCount(count: number, rule: SuppressionRule): SuppressedCount {
  if (count === 0) return 0;
  if (count <= rule.threshold) return SUPPRESSED;
  return Math.round(count / rule.base) * rule.base;
}

/** A statistic over n people is shown only when n itself would be shown; with nobody it is null. */
export function suppressStatistic(value: number | null, n: number, rule: SuppressionRule): number | '*' | null {
  if (n === 0 || value === null) return null;
  if (n <= rule.threshold) return SUPPRESSED;
  return Math.round(value * 100) / 100;
}

export function suppressTable(counts: Record<string, number>, rule: SuppressionRule): Record<string, SuppressedCount> {
  return Object.fromEntries(Object.entries(counts).map(([key, count]) => [key, suppressCount(count, rule)]));
}
