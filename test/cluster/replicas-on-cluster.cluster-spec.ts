import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadEnvironment, producerConnection } from '@app/shared';
import { RedisClusterProcess, SmtpSink, TestDatabase, createTestDatabase, eventually, freeLoopbackPort, startRedisCluster, startSmtpSink } from '@app/shared/testing';
import { IntakeEnvironment } from '../../apps/referral-intake/src/environment';
import { createIntakeApp } from '../../apps/referral-intake/src/intake-app';
import { SenderStore } from '../../apps/referral-intake/src/senders/sender.store';
import { signRequest } from '../../apps/referral-intake/src/senders/signing';
import { NotifierEnvironment } from '../../apps/notifier/src/environment';
import { createNotifierApp } from '../../apps/notifier/src/notifier-app';
import { OutcomesEnvironment } from '../../apps/outcomes/src/environment';
import { createOutcomesApp } from '../../apps/outcomes/src/outcomes-app';

/**
 * Deployed as in production: a Redis Cluster of three masters, two replicas of each service (each with its own
 * connections) and one PostgreSQL. Referrals are posted to both intake replicas while one notifier replica, a
 * separate process, is killed (SIGKILL) mid-stream: every referral is still routed, each email sent (once,
 * but for one the killed replica had already handed to SMTP) and every referral reaches outcomes.
 */
describe('two replicas of each service on a Redis Cluster', () => {
  let cluster: RedisClusterProcess;
  let database: TestDatabase;
  let smtp: SmtpSink;
  let workDir: string;
  const apps: NestFastifyApplication[] = [];
  const intakeUrls: string[] = [];
  let notifierProcess: ChildProcess | undefined;
  let db: DataSource;
  let sender: { id: string; secret: string };

  const common = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: cluster.url,
    REDIS_PREFIX: '{referrals}',
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '50',
    EVENT_BACKOFF_MS: '100',
    EVENT_LOCK_MS: '2000',
    EVENT_STALLED_INTERVAL_MS: '1000',
    EVENT_RECONCILE_INTERVAL_MS: '2000',
    EVENT_RECONCILE_GRACE_MS: '5000',
  });
  const notifierEnv = () => ({ ...common(), SMTP_URL: smtp.url, MAIL_DIR: join(workDir, 'mail'), DELIVERY_BACKOFF_MS: '100', DELIVERY_SWEEP_MS: '2000', DELIVERY_LOCK_MS: '2000' });

  async function postReferral(url: string): Promise<string> {
    const body = {
      senderReferralId: `CLUSTER-${randomUUID()}`,
      patient: { nhsNumber: '943 476 5919', givenName: 'Test', familyName: 'Patient', dateOfBirth: '1950-01-01', sex: 'female', postcode: 'TS1 3QY' },
      practiceOdsCode: 'A81001',
      needs: ['loneliness'],
      urgency: 'routine',
      consentToShare: true,
      consentRecordedAt: '2026-11-24T09:12:00Z',
    };
    const signed = signRequest({ senderId: sender.id, secrets: [sender.secret], body });
    const response = await fetch(`${url}/v1/referrals`, { method: 'POST', headers: signed.headers, body: signed.body });
    expect(response.status).toBe(202);
    return ((await response.json()) as { referralId: string }).referralId;
  }

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    database = await createTestDatabase('cluster');
    smtp = await startSmtpSink();
    workDir = mkdtempSync(join(tmpdir(), 'cluster-'));
    // Replicas start together against one new database: the migration lock keeps them in turn.
    const started = await Promise.all([
      createIntakeApp(loadEnvironment(IntakeEnvironment, { ...common(), RATE_LIMIT_PER_MINUTE: '100000' })),
      createIntakeApp(loadEnvironment(IntakeEnvironment, { ...common(), RATE_LIMIT_PER_MINUTE: '100000' })),
      createNotifierApp(loadEnvironment(NotifierEnvironment, notifierEnv())),
      createOutcomesApp(loadEnvironment(OutcomesEnvironment, common())),
      createOutcomesApp(loadEnvironment(OutcomesEnvironment, common())),
    ]);
    apps.push(...started);
    for (const app of started) await app.listen(0, '127.0.0.1');
    intakeUrls.push(...started.slice(0, 2).map((app) => `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`));
    db = started[0].get(DataSource);

    const port = await freeLoopbackPort();
    notifierProcess = spawn(process.execPath, [join(__dirname, '../../apps/notifier/src/testing/run-typescript.js'), join(__dirname, '../../apps/notifier/src/testing/notifier-process.ts')], {
      env: { ...process.env, ...notifierEnv(), PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      notifierProcess!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      notifierProcess!.once('exit', (code) => reject(new Error(`notifier process exited early (${code})`)));
    });

    const registered = await new SenderStore(db).register({ name: 'Cluster GP system', practiceOdsCodes: ['A81001'] }, started[0].get(IntakeEnvironment).SENDER_SECRET_KEY);
    sender = { id: registered.sender.id, secret: registered.secret };
  }, 120_000);

  afterAll(async () => {
    if (notifierProcess && notifierProcess.exitCode === null && notifierProcess.signalCode === null) notifierProcess.kill('SIGKILL');
    for (const app of apps.reverse()) await app.close();
    await smtp?.close();
    await cluster?.stop();
    await database?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('keeps its queues in one hash slot of the cluster', async () => {
    const redis = producerConnection(cluster.url);
    try {
      const slots = await Promise.all(['{referrals}:events.notifier:wait', '{referrals}:events.outcomes:meta', '{referrals}:notifier.deliver-email:id'].map((key) => redis.call('CLUSTER', 'KEYSLOT', key)));
      expect(new Set(slots).size).toBe(1);
      expect(String(await redis.call('CLUSTER', 'INFO'))).toContain('cluster_known_nodes:3');
    } finally {
      redis.disconnect();
    }
  });

  it('routes, emails once and records every referral while a notifier replica is killed mid-stream', async () => {
    const referralIds: string[] = [];
    for (let index = 0; index < 40; index += 1) {
      if (index === 20) {
        notifierProcess!.kill('SIGKILL');
        await new Promise((resolve) => notifierProcess!.once('exit', resolve));
      }
      referralIds.push(await postReferral(intakeUrls[index % 2]));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }

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
        progress = { referrals: referralIds.length, routed, unsent, recorded };
        return routed === referralIds.length && unsent === 0 && recorded === referralIds.length;
      },
      120_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(progress)}`);
    });

    const emails: Array<{ id: string; referral_id: string; attempts: number }> = await db.query(
      `SELECT "id", "referral_id", "attempts" FROM "notifier"."notification" WHERE "referral_id" = ANY($1) AND "channel" = 'email'`,
      [referralIds],
    );
    expect(new Set(emails.map((email) => email.referral_id)).size).toBe(referralIds.length);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const received = new Map<string, number>();
    for (const message of smtp.messages) received.set(message.messageId ?? '', (received.get(message.messageId ?? '') ?? 0) + 1);
    // Once each; twice only for an email whose first attempt the killed replica had handed to SMTP before it
    // died (the documented at-least-once window: that attempt is on record, and both copies carry the same
    // Message-ID, so a mail system can tell them apart from two emails).
    for (const email of emails) {
      const copies = received.get(`<${email.id}@notifier.social-prescribing.invalid>`);
      expect([email.id, copies === 1 || (copies === 2 && email.attempts >= 2)]).toEqual([email.id, true]);
    }
    expect([...received.values()].filter((copies) => copies > 1).length).toBeLessThanOrEqual(4);
    // Each referral's lifecycle in outcomes holds each event once, whichever replica handled it.
    const [{ duplicates }] = await db.query(
      `SELECT count(*)::int AS "duplicates" FROM (SELECT "event_id" FROM "outcomes"."outcome_event" WHERE "referral_id" = ANY($1) GROUP BY "event_id" HAVING count(*) > 1) d`,
      [referralIds],
    );
    expect(duplicates).toBe(0);
  });
});
