import { QueryProblems } from '../http/query-problems';

export interface ReportPeriod {
  label: string;
  from: Date;
  /** Exclusive. */
  to: Date;
}

/** A calendar year (2026), quarter (2026-Q4) or month (2026-11), in UTC. */
export function parsePeriod(value: unknown, problems: QueryProblems): ReportPeriod | null {
  const text = typeof value === 'string' ? value.trim() : '';
  let match: RegExpExecArray | null;
  if ((match = /^(\d{4})$/.exec(text))) {
    const year = Number(match[1]);
    return { label: text, from: new Date(Date.UTC(year, 0, 1)), to: new Date(Date.UTC(year + 1, 0, 1)) };
  }
  if ((match = /^(\d{4})-Q([1-4])$/i.exec(text))) {
    const year = Number(match[1]);
    const quarter = Number(match[2]);
    return { label: `${year}-Q${quarter}`, from: new Date(Date.UTC(year, (quarter - 1) * 3, 1)), to: new Date(Date.UTC(year, quarter * 3, 1)) };
  }
  if ((match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text))) {
    const year = Number(match[1]);
    const month = Number(match[2]);
    return { label: text, from: new Date(Date.UTC(year, month - 1, 1)), to: new Date(Date.UTC(year, month, 1)) };
  }
  problems.add('period', 'period must be a year (2026), a quarter (2026-Q4) or a month (2026-11)');
  return null;
}
