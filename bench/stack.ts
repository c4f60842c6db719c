import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createTestDatabase, createTestRedisPrefix } from '@app/shared/testing';
import { INTAKE_MAIN, registerBenchSender, serviceEnv } from './intake.bench';
import { Shot } from './load';
import { ServiceProcess } from './processes';
import { signedReferrals } from './referrals';

export const BENCH_PRACTICE = 'A81001';

/** The three services, each its own process as deployed, on a database and Redis prefix of their own. */
export interface Stack {
  intake: ServiceProcess;
  notifier: ServiceProcess;
  outcomes: ServiceProcess;
  services: ServiceProcess[];
  /** The stack's database, for reading what the services wrote. */
  dataSource: DataSource;
  sender: { id: string; secret: string };
  shots: () => Shot;
  stop(): Promise<void>;
}

/**
 * Starts intake, the notifier (seeded with the sample directory, so every bench referral routes) and
 * outcomes on a fresh database. Each phase that measures throughput gets its own stack, so a backlog left
 * by one phase cannot slow the next.
 */
export async function startStack(name: string): Promise<Stack> {
  const database = await createTestDatabase(name);
  const redis = createTestRedisPrefix(name.replace(/_/g, '-'));
  const mailDir = mkdtempSync(join(tmpdir(), 'bench-mail-'));
  const services: ServiceProcess[] = [];
  const dataSource = new DataSource({ type: 'postgres', url: database.url });
  const stop = async () => {
    for (const service of [...services].reverse()) await service.stop();
    if (dataSource.isInitialized) await dataSource.destroy();
    await redis.cleanup();
    await database.drop();
    rmSync(mailDir, { recursive: true, force: true });
  };
  try {
    const env = serviceEnv(database, redis);
    // One at a time: each runs its migrations at boot.
    services.push(await ServiceProcess.start('referral-intake', INTAKE_MAIN, env));
    services.push(await ServiceProcess.start('notifier', 'apps/notifier/src/main.js', { ...env, MAIL_DIR: mailDir }));
    services.push(await ServiceProcess.start('outcomes', 'apps/outcomes/src/main.js', env));
    await dataSource.initialize();
    const sender = await registerBenchSender(database, BENCH_PRACTICE);
    const [intake, notifier, outcomes] = services;
    return { intake, notifier, outcomes, services, dataSource, sender, shots: signedReferrals(sender.id, sender.secret, BENCH_PRACTICE), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** How far the stack has got: referrals accepted, routed (tasks and notification rows), projected in outcomes, and their status back in intake. */
export interface Progress {
  accepted: number;
  routed: number;
  projected: number;
  statusBack: number;
  /** Referrals through every stage: the least of the stages after intake. */
  done: number;
}

/**
 * Counts each stage's rows. The notifier writes a referral's routing decision, tasks and notification rows
 * in one transaction, so a decision stands for all three.
 */
export async function progress(stack: Stack): Promise<Progress> {
  const [row] = await stack.dataSource.query(
    `SELECT (SELECT count(*) FROM "intake"."referral")::int AS "accepted",
            (SELECT count(*) FROM "notifier"."routing_decision")::int AS "routed",
            (SELECT count(*) FROM "outcomes"."referral" WHERE "status" <> 'received')::int AS "projected",
            (SELECT count(*) FROM "intake"."referral" WHERE "status" <> 'received')::int AS "statusBack"`,
  );
  return { ...row, done: Math.min(row.routed, row.projected, row.statusBack) };
}

export function describeProgress(at: Progress): string {
  return `${at.accepted} accepted, ${at.routed} routed, ${at.projected} projected in outcomes, ${at.statusBack} with their status back in intake`;
}
