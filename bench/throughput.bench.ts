import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { describeRefusals, openLoop, post } from './load';
import { sampleMemory } from './processes';
import { signedBatches } from './referrals';
import { BENCH_PRACTICE, Progress, Stack, describeProgress, progress, startStack } from './stack';
import { Target, sleep } from './stats';

const SUSTAINED_PER_S = Number(process.env.BENCH_PIPELINE_PER_S ?? 500);
const SUSTAINED_SECONDS = Number(process.env.BENCH_PIPELINE_SECONDS ?? 10);
/** The issue's bound on the backlog once the load stops. */
const DRAIN_LIMIT_S = 10;
/** How long the bench waits for a backlog before it stops waiting and projects from the rate it saw. */
const DRAIN_WAIT_S = Number(process.env.BENCH_DRAIN_WAIT_S ?? 60);
const BACKFILL_REFERRALS = Number(process.env.BENCH_BACKFILL_REFERRALS ?? 100_000);
const BACKFILL_LIMIT_S = 240;
/** The batch endpoint takes at most 1,000 referrals a request. */
const BATCH_SIZE = 1000;
const BACKFILL_CONNECTIONS = 2;

/**
 * Waits until `expected` referrals are through every stage or `waitS` has passed; returns when that
 * happened (performance.now()) and the last progress seen.
 */
async function waitUntilDone(stack: Stack, expected: number, waitS: number): Promise<{ at: number; last: Progress }> {
  const deadline = performance.now() + waitS * 1000;
  for (;;) {
    const last = await progress(stack);
    const at = performance.now();
    if (last.done >= expected || at >= deadline) return { at, last };
    await sleep(250);
  }
}

/** The issue's memory bound under the pipeline load, for each service of a stack sampled through a phase. */
function rssPeaks(stack: Stack, load: string): Target[] {
  return stack.services.map((service) => ({ name: `${service.name} RSS peak under ${load}`, actual: service.peak(), unit: 'MB', kind: 'max' as const, limit: 300 }));
}

/**
 * Referrals offered at SUSTAINED_PER_S for SUSTAINED_SECONDS (an open loop), through all three services:
 * did intake take them at that rate, and how long after the load stopped was every one routed (tasks and
 * notification rows), projected in outcomes and its status back in intake?
 */
async function sustained(): Promise<Target[]> {
  const stack = await startStack('bench_sustained');
  try {
    const endpoint = `${stack.intake.url}/v1/referrals`;
    // Warm-up, then wait until the warm-up's referrals are through, so the measured backlog is the load's own.
    await openLoop(endpoint, 20, 2000, stack.shots);
    const warm = (await progress(stack)).accepted;
    await waitUntilDone(stack, warm, 30);

    const stopSampling = sampleMemory(stack.services);
    const cpuBefore = stack.services.map((service) => service.cpuSeconds());
    const load = await openLoop(endpoint, SUSTAINED_PER_S, SUSTAINED_SECONDS * 1000, stack.shots, undefined, 512);
    const loadEnded = performance.now();
    const atLoadEnd = await progress(stack);
    const { at, last } = await waitUntilDone(stack, atLoadEnd.accepted, DRAIN_WAIT_S);
    stopSampling();
    const cpu = stack.services.map((service, index) => `${service.name} ${(service.cpuSeconds() - cpuBefore[index]).toFixed(1)} s`).join(', ');
    const throughS = (at - loadEnded) / 1000 + load.elapsedS;
    const endToEnd = (last.done - warm) / throughS;
    const drained = last.done >= last.accepted;
    // Not drained within the wait: project the rest at the rate the pipeline kept while draining.
    const drainRate = (last.done - atLoadEnd.done) / ((at - loadEnded) / 1000);
    const drainS = drained ? (at - loadEnded) / 1000 : (at - loadEnded) / 1000 + (last.accepted - last.done) / Math.max(drainRate, 1e-9);
    return [
      {
        name: `intake takes ${SUSTAINED_PER_S} referrals/s offered for ${SUSTAINED_SECONDS} s`,
        actual: load.accepted / load.elapsedS,
        unit: '/s',
        kind: 'min',
        limit: SUSTAINED_PER_S * 0.99,
        note: `${load.accepted} accepted in ${load.elapsedS.toFixed(1)} s (${describeRefusals(load)})`,
      },
      {
        name: `backlog gone after the ${SUSTAINED_PER_S}/s load stops`,
        actual: drainS,
        unit: 's',
        kind: 'max',
        limit: DRAIN_LIMIT_S,
        note:
          `${drained ? '' : `projected: still ${last.accepted - last.done} to go after waiting ${DRAIN_WAIT_S} s, at ${drainRate.toFixed(0)}/s; `}` +
          `end to end ${endToEnd.toFixed(0)} referrals/s; when the load stopped: ${describeProgress(atLoadEnd)}; CPU over the run: ${cpu}`,
      },
      ...rssPeaks(stack, `${SUSTAINED_PER_S}/s offered`),
    ];
  } finally {
    await stack.stop();
  }
}

/**
 * BACKFILL_REFERRALS referrals through the batch endpoint, 1,000 a request, as fast as intake answers,
 * timed until every one is through every stage. The bench stops waiting at the issue's 4 minutes and
 * projects the rest from the rate so far.
 */
async function backfill(): Promise<Target[]> {
  const stack = await startStack('bench_backfill');
  try {
    const url = new URL(`${stack.intake.url}/v1/referrals:batch`);
    const agent = new Agent({ keepAlive: true, maxSockets: BACKFILL_CONNECTIONS });
    const batches = signedBatches(stack.sender.id, stack.sender.secret, BENCH_PRACTICE, BATCH_SIZE, 1_000_000);
    const stopSampling = sampleMemory(stack.services);
    const started = performance.now();
    let sent = 0;
    let accepted = 0;
    const refused: Record<number, number> = {};
    await Promise.all(
      Array.from({ length: BACKFILL_CONNECTIONS }, async () => {
        while (sent < BACKFILL_REFERRALS && performance.now() - started < BACKFILL_LIMIT_S * 1000) {
          sent += BATCH_SIZE;
          const answer = await post(agent, url, batches());
          if (answer.status === 200) accepted += (JSON.parse(answer.body) as { accepted: number }).accepted;
          else refused[answer.status] = (refused[answer.status] ?? 0) + 1;
        }
      }),
    );
    agent.destroy();
    const postedS = (performance.now() - started) / 1000;
    const { at, last } = await waitUntilDone(stack, accepted, Math.max(0, BACKFILL_LIMIT_S - postedS));
    stopSampling();
    const elapsedS = (at - started) / 1000;
    const finished = last.done >= BACKFILL_REFERRALS;
    const projectedS = finished ? elapsedS : (elapsedS * BACKFILL_REFERRALS) / Math.max(last.done, 1);
    const refusals = Object.entries(refused).map(([status, count]) => `${count} batch(es) answered ${status}`);
    return [
      {
        name: `back-fill of ${BACKFILL_REFERRALS.toLocaleString('en-GB')} referrals, batches of ${BATCH_SIZE}`,
        actual: projectedS,
        unit: 's',
        kind: 'max',
        limit: BACKFILL_LIMIT_S,
        note:
          `${finished ? '' : `projected from the ${last.done} through every stage after ${elapsedS.toFixed(0)} s (each service works its queue in order, so outcomes projects routings only after the receipts queued before them); `}` +
          `intake accepted ${accepted} in ${postedS.toFixed(0)} s (${(accepted / postedS).toFixed(0)}/s${refusals.length ? `; ${refusals.join(', ')}` : ''}); ` +
          `at the end: ${describeProgress(last)}`,
      },
      ...rssPeaks(stack, 'the back-fill'),
    ];
  } finally {
    await stack.stop();
  }
}

/** Issue 13's pipeline throughput targets: 500 referrals/s sustained, and a back-fill of 100,000 in 4 minutes. */
export async function benchThroughput(): Promise<{ title: string; targets: Target[] }> {
  return {
    title: 'pipeline throughput: intake + notifier + outcomes, each its own process, a fresh database for each phase',
    targets: [...(await sustained()), ...(await backfill())],
  };
}
