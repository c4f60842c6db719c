import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { OutboxRelay, loadEnvironment } from '@app/shared';
import { createTestDatabase, createTestRedisPrefix } from '@app/shared/testing';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { createIntakeApp } from '../apps/referral-intake/src/intake-app';
import { registerSender } from '../apps/referral-intake/src/senders/senders';
import { Target, pool, summarise } from './stats';

const REFERRALS = Number(process.env.BENCH_REFERRALS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

/** Valid NHS numbers in the 999 test range, Modulus 11 check digit appended. */
function nhsNumber(index: number): string {
  for (let candidate = index; ; candidate += 1) {
    const base = `999${String(candidate % 1_000_000).padStart(6, '0')}`;
    const total = [...base].reduce((sum, digit, position) => sum + Number(digit) * (10 - position), 0);
    const check = 11 - (total % 11);
    if (check === 10) continue;
    return `${base}${check === 11 ? 0 : check}`;
  }
}

/** Signed single referrals over real HTTP into real Postgres: how many a second, how long each waits for its 202. */
export async function benchReferralIntake(): Promise<{ title: string; targets: Target[] }> {
  const database = await createTestDatabase('bench_intake');
  const redis = createTestRedisPrefix('bench-intake');
  const env = loadEnvironment(IntakeEnvironment, {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: String(REFERRALS * 10),
  });
  const app = await createIntakeApp(env);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  try {
    const { sender, secret } = await registerSender(app.get(DataSource), { name: 'Bench GP system', practiceOdsCodes: ['A81001'] }, env.SENDER_SECRET_KEY);
    const signer = new Webhook(secret);
    const latencies: number[] = [];
    const started = performance.now();
    await pool(REFERRALS, CONCURRENCY, async (index) => {
      const body = JSON.stringify({
        senderReferralId: `BENCH-${index}-${randomUUID()}`,
        patient: { nhsNumber: nhsNumber(index), givenName: 'Bench', familyName: 'Patient', dateOfBirth: '1960-05-01', postcode: 'TS1 3QY' },
        practiceOdsCode: 'A81001',
        needs: ['loneliness'],
        urgency: 'routine',
        consentToShare: true,
        consentRecordedAt: '2026-11-24T09:00:00Z',
      });
      const id = `msg_${randomUUID()}`;
      const at = new Date();
      const sentAt = performance.now();
      const response = await fetch(`${base}/v1/referrals`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sender-id': sender.id,
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signer.sign(id, at, body),
        },
        body,
      });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`referral ${index} answered ${response.status}`);
      latencies.push(performance.now() - sentAt);
    });
    const elapsedS = (performance.now() - started) / 1000;
    const relay = app.get(OutboxRelay);
    const drainStarted = performance.now();
    while ((await relay.pendingCount()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const drainS = (performance.now() - drainStarted) / 1000;
    const latency = summarise(latencies);
    return {
      title: `referral-intake: ${REFERRALS} signed referrals, ${CONCURRENCY} at a time`,
      targets: [
        { name: 'accepted referrals per second', actual: REFERRALS / elapsedS, limit: 50, kind: 'min', unit: '/s' },
        { name: 'p95 time to 202', actual: latency.p95, limit: 500, kind: 'max', unit: 'ms' },
        { name: 'p99 time to 202', actual: latency.p99, limit: 1000, kind: 'max', unit: 'ms' },
        { name: 'outbox backlog drained after the last 202', actual: drainS, limit: 5, kind: 'max', unit: 's' },
      ],
    };
  } finally {
    await app.close();
    await redis.cleanup();
    await database.drop();
  }
}
