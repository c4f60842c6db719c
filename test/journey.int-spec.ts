import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { DeadLetterStore, loadEnvironment } from '@app/shared';
import { SmtpSink, TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually, startSmtpSink } from '@app/shared/testing';
import { INTAKE_SCHEMA, IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { createIntakeApp } from '../apps/referral-intake/src/intake-app';
import { SenderStore } from '../apps/referral-intake/src/senders/sender.store';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { createNotifierApp } from '../apps/notifier/src/notifier-app';
import { createOutcomesApp } from '../apps/outcomes/src/outcomes-app';
import { OutcomesEnvironment } from '../apps/outcomes/src/environment';
import { CommissionerStore } from '../apps/outcomes/src/commissioners/commissioner.store';

/**
 * One referral travels the whole system: a GP system posts it, the notifier emails the link worker who
 * covers the practice through a real SMTP server, and a commissioner sees its events in the feed.
 * The three services share one database (a schema each) and one Redis, as they do when deployed.
 */
describe('journey: GP referral → link worker mailbox → commissioner feed', () => {
  const patient = {
    nhsNumber: '943 476 5919',
    givenName: 'Margaret',
    familyName: 'Oyelaran',
    dateOfBirth: '1948-02-11',
    sex: 'female',
    postcode: 'TS1 3QY',
    phone: '07700 900123',
    email: 'margaret.oyelaran@example.com',
  };
  const notes = 'Widowed last year, keen on gardening. Prefers morning calls.';

  let database: TestDatabase;
  let redis: TestRedis;
  let smtp: SmtpSink;
  let logDir: string;
  const apps: NestFastifyApplication[] = [];
  const urls: Record<string, string> = {};

  async function listen(app: NestFastifyApplication): Promise<string> {
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    database = await createTestDatabase('journey');
    redis = createTestRedisPrefix('journey');
    smtp = await startSmtpSink();
    logDir = mkdtempSync(join(tmpdir(), 'journey-logs-'));
    const common = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      LOG_LEVEL: 'debug',
      OUTBOX_POLL_MS: '50',
      EVENT_BACKOFF_MS: '100',
    };
    urls.intake = await listen(await createIntakeApp(loadEnvironment(IntakeEnvironment, { ...common, LOG_FILE: join(logDir, 'intake.log') })));
    urls.notifier = await listen(
      await createNotifierApp(
        loadEnvironment(NotifierEnvironment, { ...common, LOG_FILE: join(logDir, 'notifier.log'), SMTP_URL: smtp.url, DELIVERY_BACKOFF_MS: '100' }),
      ),
    );
    const outcomesEnv = loadEnvironment(OutcomesEnvironment, { ...common, LOG_FILE: join(logDir, 'outcomes.log') });
    urls.outcomes = await listen(
      await createOutcomesApp(outcomesEnv),
    );
  });

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await smtp?.close();
    await redis?.cleanup();
    await database?.drop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('reports every service live and ready (PostgreSQL and Redis answering)', async () => {
    for (const url of Object.values(urls)) {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    }
  });

  it('delivers the referral to the link worker and into the pseudonymised feed, with no patient data in any log', async () => {
    const intakeEnv = apps[0].get(IntakeEnvironment);
    const { sender, secret } = await new SenderStore(apps[0].get(DataSource)).register({ name: 'EMIS Web (journey)', practiceOdsCodes: ['A81001'] },
      intakeEnv.SENDER_SECRET_KEY,
    );
    const { apiKey } = await new CommissionerStore(apps[2].get(DataSource)).register({
      name: 'North East and North Cumbria ICB',
      scope: { level: 'practice', codes: ['A81001'] },
    });

    const body = JSON.stringify({
      senderReferralId: `EMIS-${randomUUID()}`,
      patient,
      practiceOdsCode: 'A81001',
      needs: ['loneliness', 'green-nature'],
      urgency: 'routine',
      consentToShare: true,
      consentRecordedAt: '2026-11-24T09:12:00Z',
      notes,
    });
    const webhookId = `msg_${randomUUID()}`;
    const timestamp = new Date();
    const correlationId = randomUUID();
    const response = await fetch(`${urls.intake}/v1/referrals`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sender-id': sender.id,
        'x-correlation-id': correlationId,
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(webhookId, timestamp, body),
      },
      body,
    });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { referralId: string; status: string; statusUrl: string };
    expect(accepted.status).toBe('received');
    const referralId = accepted.referralId;

    const mail = await eventually(() => smtp.messages.find((message) => JSON.stringify(message.to).includes('amira.khan@linkworkers.example.nhs.uk')), 30000);
    expect(`${mail.subject} ${mail.text}`).toContain(referralId.slice(0, 8));
    expect(mail.text).not.toContain('9434765919');
    expect(mail.html).toBeTruthy();

    const feedRows = await eventually(async () => {
      const feed = await fetch(`${urls.outcomes}/v1/feeds/outcomes?limit=100`, {
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/x-ndjson' },
      });
      expect(feed.status).toBe(200);
      const rows = (await feed.text())
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const types = rows.map((row) => row.eventType ?? row.type);
      return ['referral.received', 'referral.routed', 'notification.sent'].every((type) => types.includes(type)) ? rows : undefined;
    }, 30000);
    const feedText = JSON.stringify(feedRows);
    for (const value of ['9434765919', '943 476 5919', patient.givenName, patient.familyName, patient.dateOfBirth, patient.phone, patient.email, 'TS1 3QY']) {
      expect(feedText).not.toContain(value);
    }

    const status = await eventually(async () => {
      const signedAt = new Date();
      const getId = `msg_${randomUUID()}`;
      const answer = await fetch(`${urls.intake}${accepted.statusUrl}`, {
        headers: {
          'x-sender-id': sender.id,
          'webhook-id': getId,
          'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
          'webhook-signature': new Webhook(secret).sign(getId, signedAt, ''),
        },
      });
      const view = (await answer.json()) as { status: string };
      return view.status === 'routed' ? view : undefined;
    }, 30000);
    expect(status.status).toBe('routed');

    for (const app of apps.splice(0).reverse()) await app.close();
    const logs = readdirSync(logDir).map((file) => readFileSync(join(logDir, file), 'utf8'));
    const allLogs = logs.join('\n');
    expect(allLogs).toContain(referralId);
    expect(allLogs).toContain(correlationId);
    const identifiers = ['9434765919', '943 476 5919', patient.givenName, patient.familyName, patient.dateOfBirth, patient.phone, '07700900123', patient.email, patient.postcode, notes];
    for (const value of identifiers) expect(allLogs).not.toContain(value);

    // A consumer that gave up on the referral's event keeps it as a dead letter: sealed like the rest.
    const scan = new DataSource({ type: 'postgres', url: database.url });
    await scan.initialize();
    const [{ envelope: received }] = await scan.query(`SELECT "envelope" FROM "${INTAKE_SCHEMA}"."outbox" WHERE "type" = 'referral.received' AND "envelope"->>'referralId' = $1`, [referralId]);
    const notifierTransport = {
      service: 'notifier',
      schema: 'notifier',
      redisUrl: redis.url,
      redisPrefix: redis.prefix,
      maxAttempts: 1,
      backoffMs: 10,
      outboxPollMs: 50,
      sealingKey: loadEnvironment(NotifierEnvironment, {}).EVENT_SEALING_KEY,
      outboxRetentionHours: 24,
    };
    await new DeadLetterStore(scan, notifierTransport).record(received, new Error('gave up for the test'), 1);
    try {
      expect(await identifiersInClear(scan, redis, identifiers)).toEqual([]);
      const [letter] = await new DeadLetterStore(scan, notifierTransport).list();
      expect(letter).toMatchObject({ eventId: received.id, eventType: 'referral.received' });
    } finally {
      await scan.destroy();
    }
  });
});

/** Every Redis key under the journey's prefix and every transport table (outbox, inbox, dead letters, jobs), searched for each identifier. */
async function identifiersInClear(dataSource: DataSource, redis: TestRedis, identifiers: string[]): Promise<string[]> {
  const found: string[] = [];
  const client = new IORedis(redis.url);
  let cursor = '0';
  let keys = 0;
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${redis.prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of batch) {
      keys += 1;
      const type = await client.type(key);
      const content =
        type === 'string' ? await client.get(key)
        : type === 'hash' ? JSON.stringify(await client.hgetall(key))
        : type === 'list' ? JSON.stringify(await client.lrange(key, 0, -1))
        : type === 'set' ? JSON.stringify(await client.smembers(key))
        : type === 'zset' ? JSON.stringify(await client.zrange(key, 0, -1))
        : type === 'stream' ? JSON.stringify(await client.xrange(key, '-', '+'))
        : '';
      for (const value of identifiers) if (`${key} ${content}`.includes(value)) found.push(`redis ${key}: ${value}`);
    }
  } while (cursor !== '0');
  client.disconnect();
  expect(keys).toBeGreaterThan(0);
  const tables: Array<{ table_schema: string; table_name: string }> = await dataSource.query(
    `SELECT "table_schema", "table_name" FROM information_schema.tables WHERE "table_schema" IN ('intake', 'notifier', 'outcomes') AND "table_name" ~ '(outbox|inbox|dead_letter|job)'`,
  );
  expect(tables.map((table) => table.table_name)).toEqual(expect.arrayContaining(['outbox', 'inbox', 'dead_letter']));
  for (const { table_schema: schema, table_name: table } of tables) {
    const rows = await dataSource.query(`SELECT * FROM "${schema}"."${table}"`);
    const text = JSON.stringify(rows);
    for (const value of identifiers) if (text.includes(value)) found.push(`${schema}.${table}: ${value}`);
  }
  return found;
}
