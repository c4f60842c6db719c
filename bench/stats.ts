export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarise(samplesMs: number[]): LatencySummary {
  if (samplesMs.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] };
}

export interface Target {
  name: string;
  /** Our figure. */
  actual: number;
  unit: string;
  /** 'min': the checked value must be at least limit; 'max': at most. */
  kind: 'min' | 'max';
  limit: number;
  /** When set, the target is on actual ÷ baseline (the minimal intake measured in the same run), not on actual. */
  baseline?: number;
  /** Figures that explain the measurement but are not themselves checked (counts, errors, p50). */
  note?: string;
}

export function checked(target: Target): number {
  return target.baseline === undefined ? target.actual : target.actual / target.baseline;
}

export function isMet(target: Target): boolean {
  const value = checked(target);
  return Number.isFinite(value) && (target.kind === 'min' ? value >= target.limit : value <= target.limit);
}

const figure = (value: number, unit: string) => `${Number.isFinite(value) ? (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1)) : 'n/a'} ${unit}`;

/** Prints each measurement, and its ratio to the minimal intake when it has one, against its target. */
export function report(title: string, targets: Target[]): boolean {
  process.stdout.write(`\n${title}\n`);
  let met = true;
  for (const target of targets) {
    const ok = isMet(target);
    met &&= ok;
    const bound = `${target.kind === 'min' ? '≥' : '≤'} ${target.limit}`;
    const line =
      target.baseline === undefined
        ? `${figure(target.actual, target.unit).padStart(12)}  (target ${bound} ${target.unit})`
        : `${figure(target.actual, target.unit).padStart(12)}  minimal ${figure(target.baseline, target.unit)}  ratio ${checked(target).toFixed(2)}  (target ratio ${bound})`;
    process.stdout.write(`  ${ok ? 'ok  ' : 'MISS'} ${target.name.padEnd(52)} ${line}\n`);
    if (target.note) process.stdout.write(`       ${target.note}\n`);
  }
  return met;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
