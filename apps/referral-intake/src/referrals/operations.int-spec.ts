import { randomUUID } from 'node:crypto';
import { TcpProxy, eventually } from '@app/shared/testing';
import { IntakeHarness, startIntake } from '../testing/intake-harness';
import { JSON_REFERRAL_EXAMPLE } from './examples';
import { INTAKE_SCHEMA } from '../environment';

let intake: IntakeHarness;
let proxy: TcpProxy;

beforeAll(async () => {
  proxy = new TcpProxy(5432);
  await proxy.start();
  intake = await startIntake('intake_operations', {
    RATE_LIMIT_PER_MINUTE: '5',
    REFERRAL_BODY_LIMIT_BYTES: '2048',
    BATCH_BODY_LIMIT_BYTES: '4096',
    DATABASE_VIA_PORT: String(proxy.port),
  });
});

afterAll(async () => {
  await intake?.close();
  await proxy?.stop();
});

const referral = (extra: Record<string, unknown> = {}) => ({ ...JSON_REFERRAL_EXAMPLE, senderReferralId: `REF-${randomUUID()}`, ...extra });

it('limits each sender per minute with 429 and Retry-After, storing nothing for refused requests', async () => {
  const sender = await intake.addSender();
  const other = await intake.addSender();
  const before = await intake.counts();
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  // 11 requests span at most two one-minute windows of 5, so at least one must be refused.
  for (let index = 0; index < 11; index++) {
    const response = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral() });
    statuses.push(response.status);
    if (response.status === 429) {
      retryAfter = response.headers.get('retry-after');
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  }
  expect(statuses.every((status) => status === 202 || status === 429)).toBe(true);
  expect(statuses).toContain(429);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  const accepted = statuses.filter((status) => status === 202).length;
  expect((await intake.counts()).referrals - before.referrals).toBe(accepted);
  const unaffected = await intake.send('/v1/referrals', { senderId: other.id, secrets: [other.secret], body: referral() });
  expect(unaffected.status).toBe(202);
});

it('refuses bodies over the limits with 413, storing nothing', async () => {
  const sender = await intake.addSender();
  const before = await intake.counts();
  const single = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral({ notes: 'x'.repeat(1900) }) });
  expect(single.status).toBe(413);
  expect(single.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const batch = await intake.send('/v1/referrals:batch', { senderId: sender.id, secrets: [sender.secret], body: { referrals: Array.from({ length: 10 }, () => referral()) } });
  expect(batch.status).toBe(413);
  expect(batch.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await intake.counts()).toEqual(before);
});

it('answers 503 with Retry-After when PostgreSQL is unreachable, never 202, and recovers', async () => {
  const sender = await intake.addSender();
  await proxy.stop();
  try {
    const response = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral() });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect((await response.json()).detail).toMatch(/nothing was stored/);
  } finally {
    await proxy.start();
  }
  const body = referral();
  const accepted = await eventually(async () => {
    const response = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body });
    return response.status === 202 ? response.json() : undefined;
  });
  const rows = await intake.dataSource.query(`SELECT "id" FROM "${INTAKE_SCHEMA}"."referral" WHERE "sender_referral_id" = $1`, [body.senderReferralId]);
  expect(rows).toEqual([{ id: accepted.referralId }]);
});
