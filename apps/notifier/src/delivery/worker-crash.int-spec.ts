import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { BaseEnvironment, EventType, Sealer, ServiceName, createEvent, eventJobOptions, eventQueueName, sealReceivedPayload } from '@app/shared';
import { SmtpSink, TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually, startSmtpSink } from '@app/shared/testing';
import { NotifierHarness, freePort, loneReferral, startNotifier } from '../testing/notifier-test-app';
import { NOTIFIER_SCHEMA } from '../environment';

/**
 * A delivery worker process is killed (SIGKILL) while its SMTP conversation is stuck mid-send. Another
 * instance takes the abandoned job over once its lock expires and sends the email exactly once.
 */
describe('a worker killed mid-send', () => {
  const stuck = 'stuck@test.example.nhs.uk';
  let holdRecipients = true;
  let sink: SmtpSink;
  let database: TestDatabase;
  let redis: TestRedis;
  let child: ChildProcess | undefined;
  let survivor: NotifierHarness | undefined;
  // The lock must outlast the child's longest event-loop stall on a loaded CI machine: at 1.5 s the child
  // sometimes lost its own lock, retried itself and recorded a transient failure before it was killed.
  const overrides = { DELIVERY_LOCK_MS: '5000', DELIVERY_BACKOFF_MS: '50', LOG_LEVEL: 'silent' };

  beforeAll(async () => {
    sink = await startSmtpSink({
      onRcptTo(address, _session, callback) {
        // While held, the server never answers RCPT TO: the sender is stuck between claim and result.
        if (address.address === stuck && holdRecipients) return;
        callback();
      },
    });
    database = await createTestDatabase('crash');
    redis = createTestRedisPrefix('crash');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (survivor) await survivor.close();
    else {
      await redis.cleanup();
      await database.drop();
    }
    await sink.close();
  });

  it('is taken over by another instance, which sends once and records the interrupted attempt', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [join(__dirname, '../testing/run-typescript.js'), join(__dirname, '../testing/notifier-process.ts')], {
      env: {
        ...process.env,
        ...overrides,
        PORT: String(port),
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        SMTP_URL: sink.url,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child!.once('exit', (code) => reject(new Error(`notifier process exited early (${code})`)));
    });

    const practiceOdsCode = 'Z80001';
    const imported = await fetch(`http://127.0.0.1:${port}/v1/directory/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'dev-notifier-admin-key' },
      body: JSON.stringify({
        pcns: [{ odsCode: 'U80001', name: 'Crash PCN', leadLinkWorkerId: '0b7f8f4e-5d43-4a8e-9a51-5e7c3f1d2a10' }],
        practices: [{ odsCode: practiceOdsCode, name: 'Crash Practice', pcnOdsCode: 'U80001', postcode: 'ZE1 0AA' }],
        linkWorkers: [{ id: '0b7f8f4e-5d43-4a8e-9a51-5e7c3f1d2a10', name: 'Stuck Worker', email: stuck, channels: ['email'], pcnOdsCodes: ['U80001'], practiceOdsCodes: [practiceOdsCode] }],
      }),
    });
    expect(imported.status).toBe(200);

    const referralId = crypto.randomUUID();
    const payload = sealReceivedPayload(new Sealer(new BaseEnvironment().EVENT_SEALING_KEY), referralId, loneReferral(practiceOdsCode));
    const envelope = createEvent({ type: EventType.ReferralReceived, referralId, correlationId: crypto.randomUUID(), source: ServiceName.ReferralIntake, payload });
    const events = new Queue(eventQueueName(ServiceName.Notifier), { connection: { url: redis.url }, prefix: redis.prefix });
    await events.add(envelope.type, envelope, { ...eventJobOptions({ maxAttempts: 3, backoffMs: 50 }), jobId: envelope.id });
    await events.close();

    const [claimed] = await eventually(async () => {
      const rows = await database.query<{ id: string; status: string }>(`SELECT "id", "status" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1`, [envelope.referralId]);
      return rows[0]?.status === 'sending' ? rows : undefined;
    });
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    holdRecipients = false;

    survivor = await startNotifier('crash', { ...overrides, SMTP_URL: sink.url }, { database, redis });
    await eventually(async () => {
      const [row] = await database.query<{ status: string }>(`SELECT "status" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "id" = $1`, [claimed.id]);
      return row.status === 'sent';
    }, 30000);
    const attempts = await database.query<{ outcome: string }>(`SELECT "outcome" FROM "${NOTIFIER_SCHEMA}"."notification_attempt" WHERE "notification_id" = $1 ORDER BY "attempt_no"`, [claimed.id]);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['interrupted', 'sent']);
    expect(sink.messages.filter((mail) => JSON.stringify(mail.to).includes(stuck))).toHaveLength(1);
    expect((await survivor.outbox(EventType.NotificationSent)).filter((event) => event.referralId === envelope.referralId)).toHaveLength(1);
  });
});
