import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '@app/shared';
import { RedisServerProcess, SmtpSink, TestDatabase, createTestDatabase, eventually, startRedisServer, startSmtpSink } from '@app/shared/testing';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { createIntakeApp } from '../apps/referral-intake/src/intake-app';
import { SenderStore } from '../apps/referral-intake/src/senders/sender.store';
import { signRequest } from '../apps/referral-intake/src/senders/signing';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { createNotifierApp } from '../apps/notifier/src/notifier-app';
import { OutcomesEnvironment } from '../apps/outcomes/src/environment';
import { createOutcomesApp } from '../apps/outcomes/src/outcomes-app';

/**
 * Redis comes back without its data: killed (no persistence) and started again empty on the same port.
 * Every referral answered 202 must still be routed, emailed exactly once and recorded in outcomes, because
 * each producer reconciles what it published against what each subscriber's inbox handled.
 */
describe('Redis restarted empty', () => {
  let redis: RedisServerProcess;
  let database: TestDatabase;
  let smtp: SmtpSink;
  let workDir: string;
  let intake: NestFastifyApplication;
  let intakeUrl: string;
  let consumers: NestFastifyApplication[] = [];
  let sender: { id: string; secret: string };
  let db: DataSource;

  const common = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: '{referrals}',
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '50',
    EVENT_BACKOFF_MS: '100',
    EVENT_LOCK_MS: '2000',
    EVENT_STALLED_INTERVAL_MS: '1000',
    EVENT_RECONCILE_INTERVAL_MS: '1000',
    EVENT_RECONCILE_GRACE_MS: '1000',
  });

  async function startConsumers(): Promise<void> {
    const notifier = await createNotifierApp(
      loadEnvironment(NotifierEnvironment, { ...common(), SMTP_URL: smtp.url, MAIL_DIR: join(workDir, 'mail'), DELIVERY_BACKOFF_MS: '100', DELIVERY_SWEEP_MS: '1000' }),
    );
    const outcomes = await createOutcomesApp(loadEnvironment(OutcomesEnvironment, common()));
    await notifier.init();
    await outcomes.init();
    consumers = [notifier, outcomes];
  }

  async function stopConsumers(): Promise<void> {
    for (const app of consumers) await app.close();
    consumers = [];
  }

  /** Posts one referral as a GP system does, retrying until it is answered 202 (as Standard Webhooks senders retry). */
  async function postReferral(): Promise<string> {
    const body = {
      senderReferralId: `DRILL-${randomUUID()}`,
      patient: { nhsNumber: '943 476 5919', givenName: 'Test', familyName: 'Patient', dateOfBirth: '1950-01-01', sex: 'female', postcode: 'TS1 3QY' },
      practiceOdsCode: 'A81001',
      needs: ['loneliness'],
      urgency: 'routine',
      consentToShare: true,
      consentRecordedAt: '2026-11-24T09:12:00Z',
    };
    for (let attempt = 1; ; attempt += 1) {
      const signed = signRequest({ senderId: sender.id, secrets: [sender.secret], body });
      const response = await fetch(`${intakeUrl}/v1/referrals`, { method: 'POST', headers: signed.headers, body: signed.body }).catch(() => undefined);
      if (response?.status === 202) return ((await response.json()) as { referralId: string }).referralId;
      if (attempt >= 50) throw new Error(`referral not accepted after ${attempt} attempts (last status ${response?.status})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Every referral routed, each email notification sent once and only once, and every referral in outcomes. */
  async function expectEveryReferralDelivered(referralIds: string[]): Promise<void> {
    let progress = {};
    await eventually(
      async () => {
        const [{ routed }] = await db.query(`SELECT count(*)::int AS "routed" FROM "notifier"."routing_decision" WHERE "referral_id" = ANY($1)`, [referralIds]);
        const [{ unsent }] = await db.query(
          `SELECT count(*)::int AS "unsent" FROM "notifier"."notification" WHERE "referral_id" = ANY($1) AND "channel" = 'email' AND "status" NOT IN ('sent', 'delivered')`,
          [referralIds],
        );
        const [{ recorded }] = await db.query(
          `SELECT count(DISTINCT "referral_id")::int AS "recorded" FROM "outcomes"."outcome_event" WHERE "referral_id" = ANY($1) AND "type" = 'referral.routed'`,
          [referralIds],
        );
        progress = { referrals: referralIds.length, routed, unsentEmails: unsent, inOutcomes: recorded };
        return routed === referralIds.length && unsent === 0 && recorded === referralIds.length;
      },
      90_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(progress)}`);
    });
    const emails: Array<{ id: string; referral_id: string }> = await db.query(
      `SELECT "id", "referral_id" FROM "notifier"."notification" WHERE "referral_id" = ANY($1) AND "channel" = 'email'`,
      [referralIds],
    );
    expect(new Set(emails.map((email) => email.referral_id)).size).toBe(referralIds.length);
    // Give a doubled send the time to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const received = new Map<string, number>();
    for (const message of smtp.messages) received.set(message.messageId ?? '', (received.get(message.messageId ?? '') ?? 0) + 1);
    for (const email of emails) expect([email.id, received.get(`<${email.id}@notifier.social-prescribing.invalid>`)]).toEqual([email.id, 1]);
    const [{ received: receivedEvents }] = await db.query(
      `SELECT count(DISTINCT "referral_id")::int AS "received" FROM "outcomes"."outcome_event" WHERE "referral_id" = ANY($1) AND "type" = 'referral.received'`,
      [referralIds],
    );
    expect(receivedEvents).toBe(referralIds.length);
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    database = await createTestDatabase('redis_loss');
    smtp = await startSmtpSink();
    workDir = mkdtempSync(join(tmpdir(), 'redis-loss-'));
    intake = await createIntakeApp(loadEnvironment(IntakeEnvironment, { ...common(), RATE_LIMIT_PER_MINUTE: '100000' }));
    await intake.listen(0, '127.0.0.1');
    intakeUrl = `http://127.0.0.1:${(intake.getHttpServer().address() as AddressInfo).port}`;
    db = intake.get(DataSource);
    const registered = await new SenderStore(db).register({ name: 'Drill GP system', practiceOdsCodes: ['A81001'] }, intake.get(IntakeEnvironment).SENDER_SECRET_KEY);
    sender = { id: registered.sender.id, secret: registered.secret };
    await startConsumers();
  });

  afterAll(async () => {
    await stopConsumers();
    await intake?.close();
    await redis?.stop();
    await smtp?.close();
    await database?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('loses nothing when Redis restarts empty in the middle of a stream of referrals', async () => {
    const referralIds: string[] = [];
    const post = async (count: number) => {
      for (let index = 0; index < count; index += 1) {
        referralIds.push(await postReferral());
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    };
    await post(10);
    // A burst, relayed to Redis and (mostly) not yet consumed when Redis dies.
    referralIds.push(...(await Promise.all(Array.from({ length: 20 }, () => postReferral()))));
    await eventually(async () => {
      const [{ pending }] = await db.query(`SELECT count(*)::int AS "pending" FROM "intake"."outbox" WHERE "published_at" IS NULL`);
      return pending === 0;
    }, 15_000, 10);
    await redis.kill();
    await redis.start();
    await post(10);
    await expectEveryReferralDelivered(referralIds);
  }, 240_000);

  it('loses nothing when Redis restarts empty holding a backlog, because the consumers were down', async () => {
    await stopConsumers();
    const referralIds: string[] = [];
    for (let index = 0; index < 30; index += 1) referralIds.push(await postReferral());
    // Every event relayed to Redis (marked published) and waiting there for the consumers.
    await eventually(async () => {
      const [{ pending }] = await db.query(`SELECT count(*)::int AS "pending" FROM "intake"."outbox" WHERE "published_at" IS NULL`);
      return pending === 0;
    });
    await redis.kill();
    await redis.start();
    await startConsumers();
    await expectEveryReferralDelivered(referralIds);
  }, 240_000);
});
