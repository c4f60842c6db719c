import { DataSource } from 'typeorm';
import { TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix } from '@app/shared/testing';
import { DEV_SENDER_SECRET_KEY } from '../apps/referral-intake/src/environment';
import { SenderStore } from '../apps/referral-intake/src/senders/sender.store';
import { LoadResult, closedLoop, describeRefusals, openLoop } from './load';
import { ServiceProcess, sampleMemory } from './processes';
import { signedReferrals } from './referrals';
import { Target, sleep, summarise } from './stats';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 8000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const OFFERED_PER_S = Number(process.env.BENCH_OFFERED_PER_S ?? 500);

/** What every service of ours is started with in the bench: as deployed, logging at info, every check on. */
export function serviceEnv(database: TestDatabase, redis: TestRedis): Record<string, string> {
  return {
    NODE_ENV: 'development',
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: 'info',
    // The limit is checked on every request (Redis), set above what the bench sends.
    RATE_LIMIT_PER_MINUTE: '10000000',
  };
}

export const INTAKE_MAIN = 'apps/referral-intake/src/main.js';

export async function registerBenchSender(database: TestDatabase, practiceOdsCode: string): Promise<{ id: string; secret: string }> {
  const dataSource = new DataSource({ type: 'postgres', url: database.url });
  await dataSource.initialize();
  try {
    const { sender, secret } = await new SenderStore(dataSource).register({ name: 'Bench GP system', practiceOdsCodes: [practiceOdsCode] }, DEV_SENDER_SECRET_KEY);
    return { id: sender.id, secret };
  } finally {
    await dataSource.destroy();
  }
}

function merge(results: LoadResult[]): LoadResult {
  const merged: LoadResult = { accepted: 0, refused: {}, elapsedS: 0, latencies: [] };
  for (const result of results) {
    merged.accepted += result.accepted;
    merged.elapsedS += result.elapsedS;
    merged.latencies.push(...result.latencies);
    for (const [status, count] of Object.entries(result.refused)) merged.refused[Number(status)] = (merged.refused[Number(status)] ?? 0) + count;
  }
  return merged;
}

/**
 * Intake against the minimal intake (bench/minimal-intake.ts), each its own process on one database and
 * Redis, alternated round by round so a noisy neighbour on the machine weighs on both alike.
 */
export async function benchIntake(): Promise<{ title: string; targets: Target[] }> {
  const database = await createTestDatabase('bench_intake');
  const redis = createTestRedisPrefix('bench-intake');
  const services: ServiceProcess[] = [];
  try {
    const env = serviceEnv(database, redis);
    const ours = await ServiceProcess.start('referral-intake', INTAKE_MAIN, env);
    services.push(ours);
    const minimal = await ServiceProcess.start('minimal intake', 'bench/minimal-intake.js', env, []);
    services.push(minimal);
    const sender = await registerBenchSender(database, 'A81001');
    const shots = signedReferrals(sender.id, sender.secret, 'A81001');
    const endpoint = (service: ServiceProcess) => `${service.url}/v1/referrals`;

    await sleep(2000);
    const idle = { ours: ours.rssMb(), minimal: minimal.rssMb() };
    // Warm-up: JIT, connection pools, prepared statements.
    for (const service of [ours, minimal]) await closedLoop(endpoint(service), CONNECTIONS, 2000, shots);

    const stopSampling = sampleMemory([ours, minimal]);
    const throughput: Record<'ours' | 'minimal', LoadResult[]> = { ours: [], minimal: [] };
    const offered: Record<'ours' | 'minimal', LoadResult[]> = { ours: [], minimal: [] };
    const cpu = { ours: 0, minimal: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? (['ours', 'minimal'] as const) : (['minimal', 'ours'] as const);
      for (const which of order) {
        const service = which === 'ours' ? ours : minimal;
        const before = service.cpuSeconds();
        throughput[which].push(await closedLoop(endpoint(service), CONNECTIONS, ROUND_MS, shots));
        cpu[which] += service.cpuSeconds() - before;
      }
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? (['ours', 'minimal'] as const) : (['minimal', 'ours'] as const);
      for (const which of order) {
        offered[which].push(await openLoop(endpoint(which === 'ours' ? ours : minimal), OFFERED_PER_S, ROUND_MS * 0.75, shots));
        await sleep(500);
      }
    }
    stopSampling();

    const rate = (results: LoadResult[]) => merge(results).accepted / merge(results).elapsedS;
    const oursRate = rate(throughput.ours);
    const minimalRate = rate(throughput.minimal);
    const cpuPerReferral = (which: 'ours' | 'minimal') => (cpu[which] * 1000) / merge(throughput[which]).accepted;
    const oursOpen = merge(offered.ours);
    const minimalOpen = merge(offered.minimal);
    const oursClosed = merge(throughput.ours);
    return {
      title: `referral intake vs the minimal intake (Fastify + pg + BullMQ), ${Buffer.byteLength(shots().body)}-byte signed bodies, ${ROUNDS} alternated rounds of ${ROUND_MS / 1000} s`,
      targets: [
        {
          name: `throughput at ${CONNECTIONS} connections`,
          actual: oursRate,
          baseline: minimalRate,
          unit: '/s',
          kind: 'min',
          limit: 0.5,
          note: `ours: p99 ${summarise(oursClosed.latencies).p99.toFixed(0)} ms, ${describeRefusals(oursClosed)}, Node CPU ${cpuPerReferral('ours').toFixed(2)} ms/referral; minimal: p99 ${summarise(merge(throughput.minimal).latencies).p99.toFixed(0)} ms, Node CPU ${cpuPerReferral('minimal').toFixed(2)} ms/referral`,
        },
        {
          name: `p99 time to 202 at ${OFFERED_PER_S} referrals/s offered`,
          actual: summarise(oursOpen.latencies).p99,
          baseline: summarise(minimalOpen.latencies).p99,
          unit: 'ms',
          kind: 'max',
          limit: 2,
          note: `ours: p50 ${summarise(oursOpen.latencies).p50.toFixed(1)} ms, ${describeRefusals(oursOpen)}; minimal: p50 ${summarise(minimalOpen.latencies).p50.toFixed(1)} ms, ${describeRefusals(minimalOpen)}`,
        },
        { name: 'intake RSS idle', actual: idle.ours, unit: 'MB', kind: 'max', limit: 150, note: `minimal intake: ${idle.minimal.toFixed(0)} MB` },
        { name: 'intake RSS peak under load', actual: ours.peak(), unit: 'MB', kind: 'max', limit: 300, note: `minimal intake: ${minimal.peak().toFixed(0)} MB` },
      ],
    };
  } finally {
    for (const service of services.reverse()) await service.stop();
    await redis.cleanup();
    await database.drop();
  }
}
