import { Injectable } from '@nestjs/common';
import { ReferralStatus } from '@app/shared';
import { Commissioner } from '../commissioners/commissioner';
import { OutcomesEnvironment } from '../environment';
import { ReportPeriod } from './period';
import { SummaryStore } from './summary.store';
import { SuppressedCount, SuppressionRule, suppressCount, suppressStatistic, suppressTable } from './suppression';

export interface SummaryReport {
  period: { label: string; from: string; to: string };
  scope: { level: string; codes: string[] };
  suppression: { threshold: number; roundingBase: number; rule: string };
  referrals: { total: SuppressedCount };
  byStatus: Record<string, SuppressedCount>;
  byNeed: Record<string, SuppressedCount>;
  byPractice: Record<string, SuppressedCount>;
  byOrganisation: Record<string, SuppressedCount>;
  funnel: { received: SuppressedCount; accepted: SuppressedCount; attended: SuppressedCount; completed: SuppressedCount };
  daysToFirstContact: { median: number | '*' | null; n: SuppressedCount };
  wellbeingChange: Record<string, { meanChange: number | '*' | null; n: SuppressedCount }>;
}

/** The change statistics reported for each measure; ONS4 anxiety falls as wellbeing improves. */
const CHANGE_SCORES: Array<[string, string]> = [
  ['ONS4', 'lifeSatisfaction'],
  ['ONS4', 'worthwhile'],
  ['ONS4', 'happiness'],
  ['ONS4', 'anxiety'],
  ['SWEMWBS', 'metric'],
  ['UCLA3', 'total'],
];

/**
 * The commissioner's summary for a period: referrals received in it (in their area), counted every way
 * they asked for, with every cell passed through small-number suppression. Totals are counted directly,
 * never summed from rounded cells.
 */
@Injectable()
export class SummaryService {
  constructor(
    private readonly store: SummaryStore,
    private readonly env: OutcomesEnvironment,
  ) {}

  get rule(): SuppressionRule {
    return { threshold: this.env.SUPPRESSION_THRESHOLD, base: this.env.SUPPRESSION_ROUNDING_BASE };
  }

  async summary(commissioner: Commissioner, period: ReportPeriod): Promise<SummaryReport> {
    const { byStatus, byNeed, byPractice, byOrganisation, funnel, changes } = await this.store.counts(commissioner, period);
    const rule = this.rule;
    const allStatuses = Object.fromEntries(Object.values(ReferralStatus).map((status) => [status, byStatus[status] ?? 0]));
    const wellbeingChange = Object.fromEntries(
      CHANGE_SCORES.map(([measure, key]) => {
        const change = changes.find((row) => row.measure === measure && row.key === key);
        const n = change?.n ?? 0;
        return [`${measure}.${key}`, { meanChange: suppressStatistic(change?.mean === undefined || change.mean === null ? null : Number(change.mean), n, rule), n: suppressCount(n, rule) }];
      }),
    );
    return {
      period: { label: period.label, from: period.from.toISOString(), to: period.to.toISOString() },
      scope: { level: commissioner.scopeLevel, codes: commissioner.scopeCodes },
      suppression: {
        threshold: rule.threshold,
        roundingBase: rule.base,
        rule: `0 is shown as 0; 1 to ${rule.threshold} as "*"; other counts rounded to the nearest ${rule.base}; totals are counted before rounding; a median or mean over ${rule.threshold} or fewer people is "*"`,
      },
      referrals: { total: suppressCount(funnel.received, rule) },
      byStatus: suppressTable(allStatuses, rule),
      byNeed: suppressTable(byNeed, rule),
      byPractice: suppressTable(byPractice, rule),
      byOrganisation: suppressTable(byOrganisation, rule),
      funnel: {
        received: suppressCount(funnel.received, rule),
        accepted: suppressCount(funnel.accepted, rule),
        attended: suppressCount(funnel.attended, rule),
        completed: suppressCount(funnel.completed, rule),
      },
      daysToFirstContact: {
        median: suppressStatistic(funnel.median_days === null ? null : Number(funnel.median_days), funnel.contacted, rule),
        n: suppressCount(funnel.contacted, rule),
      },
      wellbeingChange,
    };
  }
}

/** The report as rows for CSV: one cell per line. */
export function summaryCells(report: SummaryReport): Array<{ section: string; category: string; statistic: string; value: string | number | null }> {
  const cells: Array<{ section: string; category: string; statistic: string; value: string | number | null }> = [];
  cells.push({ section: 'referrals', category: 'total', statistic: 'count', value: report.referrals.total });
  for (const section of ['byStatus', 'byNeed', 'byPractice', 'byOrganisation'] as const) {
    for (const [category, value] of Object.entries(report[section])) cells.push({ section, category, statistic: 'count', value });
  }
  for (const [category, value] of Object.entries(report.funnel)) cells.push({ section: 'funnel', category, statistic: 'count', value });
  cells.push({ section: 'daysToFirstContact', category: 'all', statistic: 'median', value: report.daysToFirstContact.median });
  cells.push({ section: 'daysToFirstContact', category: 'all', statistic: 'n', value: report.daysToFirstContact.n });
  for (const [category, change] of Object.entries(report.wellbeingChange)) {
    cells.push({ section: 'wellbeingChange', category, statistic: 'meanChange', value: change.meanChange });
    cells.push({ section: 'wellbeingChange', category, statistic: 'n', value: change.n });
  }
  return cells;
}
