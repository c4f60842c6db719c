export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarise(samplesMs: number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] };
}

export interface Target {
  name: string;
  actual: number;
  limit: number;
  /** 'min': actual must be at least limit; 'max': at most. */
  kind: 'min' | 'max';
  unit: string;
}

/** Prints each measurement against its target and says whether all were met. */
export function report(title: string, targets: Target[]): boolean {
  process.stdout.write(`\n${title}\n`);
  let met = true;
  for (const target of targets) {
    const ok = target.kind === 'min' ? target.actual >= target.limit : target.actual <= target.limit;
    met &&= ok;
    process.stdout.write(
      `  ${ok ? 'ok  ' : 'MISS'} ${target.name.padEnd(44)} ${target.actual.toFixed(1).padStart(9)} ${target.unit.padEnd(6)} (target ${target.kind === 'min' ? '≥' : '≤'} ${target.limit})\n`,
    );
  }
  return met;
}

/** Runs tasks with at most `concurrency` in flight. */
export async function pool<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}
