/*
 * `npm run bench`: the speed and memory targets of issue 13, measured on the real stack (each service its
 * own process, PostgreSQL, Redis, HTTP) and, where a target is a ratio, against the minimal intake run in
 * the same process tree, so the figures compare on any machine. Exits non-zero when a target is missed.
 * Not part of `npm test`: timings belong here, never in tests.
 */
import { benchIntake } from './intake.bench';
import { benchPipeline } from './pipeline.bench';
import { benchThroughput } from './throughput.bench';
import { report } from './stats';

async function main(): Promise<void> {
  const started = Date.now();
  let met = true;
  // BENCH_ONLY=intake, pipeline or throughput (or a comma-separated list) runs those parts; the verdict
  // then covers only their targets.
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
  const benches = [
    ['intake', benchIntake],
    ['pipeline', benchPipeline],
    ['throughput', benchThroughput],
  ] as const;
  for (const [, bench] of benches.filter(([name]) => !only || only.includes(name))) {
    const { title, targets } = await bench();
    met = report(title, targets) && met;
  }
  process.stdout.write(`\n${met ? 'All targets met.' : 'Some targets were missed.'} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  process.exit(met ? 0 : 1);
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
