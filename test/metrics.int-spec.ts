import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '@app/shared';
import { SmtpSink, TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually, startSmtpSink } from '@app/shared/testing';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { createIntakeApp } from '../apps/referral-intake/src/intake-app';
import { SenderStore } from '../apps/referral-intake/src/senders/sender.store';
import { signRequest } from '../apps/referral-intake/src/senders/signing';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { createNotifierApp } from '../apps/notifier/src/notifier-app';
import { OutcomesEnvironment } from '../apps/outcomes/src/environment';
import { createOutcomesApp } from '../apps/outcomes/src/outcomes-app';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (enough of it for our own output). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`unparseable metrics line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));

/**
 * After one referral has travelled (GP system → link worker's mailbox → outcomes), every service's /metrics
 * shows the operators' figures, with no patient data and no unbounded label values; the queue dashboard is
 * behind the admin key and read-only.
 */
describe('operators can see inside: /metrics and the queue dashboard', () => {
  const patient = {
    nhsNumber: '943 476 5919',
    givenName: 'Rosalind',
    familyName: 'Featherstonehaugh',
    dateOfBirth: '1948-02-11',
    sex: 'female',
    postcode: 'TS1 3QY',
    phone: '07700 900456',
    email: 'rosalind.featherstonehaugh@example.com',
  };
  let database: TestDatabase;
  let redis: TestRedis;
  let smtp: SmtpSink;
  let workDir: string;
  const apps: Record<'intake' | 'notifier' | 'outcomes', NestFastifyApplication> = {} as never;
  const urls: Record<string, string> = {};
  let referralId: string;
  const scraped: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase('metrics');
    redis = createTestRedisPrefix('metrics');
    smtp = await startSmtpSink();
    workDir = mkdtempSync(join(tmpdir(), 'metrics-'));
    const common = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, LOG_LEVEL: 'silent', OUTBOX_POLL_MS: '50', EVENT_BACKOFF_MS: '100' };
    apps.intake = await createIntakeApp(loadEnvironment(IntakeEnvironment, common));
    apps.notifier = await createNotifierApp(loadEnvironment(NotifierEnvironment, { ...common, SMTP_URL: smtp.url, MAIL_DIR: join(workDir, 'mail') }));
    apps.outcomes = await createOutcomesApp(loadEnvironment(OutcomesEnvironment, common));
    for (const [name, app] of Object.entries(apps)) {
      await app.listen(0, '127.0.0.1');
      urls[name] = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    }

    const { sender, secret } = await new SenderStore(apps.intake.get(DataSource)).register({ name: 'Metrics GP system', practiceOdsCodes: ['A81001'] }, apps.intake.get(IntakeEnvironment).SENDER_SECRET_KEY);
    const body = { senderReferralId: `EMIS-${randomUUID()}`, patient, practiceOdsCode: 'A81001', needs: ['loneliness'], urgency: 'routine', consentToShare: true, consentRecordedAt: '2026-11-24T09:12:00Z', notes: 'Keen gardener, lives alone.' };
    const signed = signRequest({ senderId: sender.id, secrets: [secret], body });
    const response = await fetch(`${urls.intake}/v1/referrals`, { method: 'POST', headers: signed.headers, body: signed.body });
    expect(response.status).toBe(202);
    referralId = ((await response.json()) as { referralId: string }).referralId;
    // Requests whose URLs carry identifiers: they must be counted under their route pattern, never their URL.
    await fetch(`${urls.intake}/v1/referrals/${referralId}`, { headers: signRequest({ senderId: sender.id, secrets: [secret] }).headers });
    await fetch(`${urls.intake}/v1/referrals/${randomUUID()}`);
    await fetch(`${urls.notifier}/no-such-page/${randomUUID()}?nhsNumber=9434765919`);

    await eventually(() => smtp.messages.length > 0, 30_000);
    await eventually(async () => {
      const [{ count }] = await apps.outcomes.get(DataSource).query(`SELECT count(*)::int AS "count" FROM "outcomes"."outcome_event" WHERE "referral_id" = $1 AND "type" = 'referral.routed'`, [referralId]);
      return count > 0;
    }, 30_000);
    await eventually(async () => {
      const [{ count }] = await apps.notifier.get(DataSource).query(`SELECT count(*)::int AS "count" FROM "notifier"."notification" WHERE "status" = 'sent'`);
      return count > 0;
    }, 30_000);

    for (const [name, url] of Object.entries(urls)) {
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      scraped[name] = await metrics.text();
    }
  }, 120_000);

  afterAll(async () => {
    for (const app of Object.values(apps).reverse()) await app?.close();
    await smtp?.close();
    await redis?.cleanup();
    await database?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('counts requests by method, route pattern and status', () => {
    const intake = parse(scraped.intake);
    expect(find(intake, 'http_request_duration_seconds_count', { method: 'POST', route: '/v1/referrals', status_code: '202', service: 'referral-intake' })[0]?.value).toBe(1);
    expect(find(intake, 'http_request_duration_seconds_count', { method: 'GET', route: '/v1/referrals/:id' }).reduce((sum, sample) => sum + sample.value, 0)).toBe(2);
    expect(find(parse(scraped.notifier), 'http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })[0]?.value).toBe(1);
  });

  it('shows each queue by state, outbox lag, dead letters, deliveries by channel and result, callback attempts and reminders due', () => {
    const intake = parse(scraped.intake);
    const notifier = parse(scraped.notifier);
    const outcomes = parse(scraped.outcomes);
    for (const [samples, queue] of [
      [intake, 'events.referral-intake'],
      [intake, 'intake.status-callbacks'],
      [notifier, 'events.notifier'],
      [notifier, 'notifier.deliver-email'],
      [notifier, 'notifier.reminders'],
      [outcomes, 'events.outcomes'],
    ] as const) {
      expect(find(samples, 'queue_jobs', { queue }).map((sample) => sample.labels.state).sort()).toEqual(['active', 'delayed', 'failed', 'prioritized', 'waiting']);
    }
    for (const samples of [intake, notifier, outcomes]) {
      expect(find(samples, 'outbox_lag_seconds')).toHaveLength(1);
      expect(find(samples, 'outbox_unpublished_events')).toHaveLength(1);
      expect(find(samples, 'event_dead_letters')[0]?.value).toBe(0);
      expect(find(samples, 'events_republished_total')).toHaveLength(1);
    }
    expect(find(notifier, 'notifications', { channel: 'email', status: 'sent' })[0]?.value).toBeGreaterThanOrEqual(1);
    expect(find(notifier, 'reminders_due', { stage: 'reminder' })).toHaveLength(1);
    expect(scraped.intake).toContain('# TYPE status_callback_attempts gauge');
    expect(scraped.intake).toContain('# TYPE status_callbacks gauge');
  });

  it('carries no patient data and no unbounded label values', () => {
    for (const text of Object.values(scraped)) {
      for (const secret of ['9434765919', '943 476 5919', patient.givenName, patient.familyName, patient.postcode, 'TS1', patient.phone, '07700900456', patient.email, '1948-02-11', 'gardener', referralId]) {
        expect(text).not.toContain(secret);
      }
      for (const sample of parse(text)) {
        for (const [label, value] of Object.entries(sample.labels)) {
          // Route patterns, queue names and words from our code: never an id, a number that grows, or a query.
          expect([label, value]).not.toEqual([label, expect.stringMatching(/[0-9a-f]{8}-[0-9a-f]{4}-|\?|\d{5,}/)]);
          if (label === 'route') expect(value).toMatch(/^(unmatched|\/[a-z0-9/:._-]*)$/i);
        }
      }
      const series = parse(text).filter((sample) => !sample.name.startsWith('process_') && !sample.name.startsWith('nodejs_'));
      expect(series.length).toBeLessThan(400);
    }
  });

  it('keeps the queue dashboard behind the admin key, read-only', async () => {
    expect((await fetch(`${urls.notifier}/admin/queues`)).status).toBe(401);
    expect((await fetch(`${urls.notifier}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from('admin:wrong-key').toString('base64')}` } })).status).toBe(401);
    const page = await fetch(`${urls.notifier}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from('admin:dev-notifier-admin-key').toString('base64')}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = await fetch(`${urls.notifier}/admin/queues/api/queues`, { headers: { 'x-api-key': 'dev-notifier-admin-key' } });
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(queues.map((queue) => queue.name)).toEqual(expect.arrayContaining(['events.referral-intake', 'events.notifier', 'events.outcomes', 'notifier.deliver-email']));
    expect(queues.every((queue) => queue.readOnlyMode)).toBe(true);
  });
});
