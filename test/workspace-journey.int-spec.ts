import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { createServiceApp, loadEnvironment } from '@app/shared';
import { SmtpSink, TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually, startSmtpSink } from '@app/shared/testing';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { createIntakeApp } from '../apps/referral-intake/src/intake-app';
import { SenderStore } from '../apps/referral-intake/src/senders/sender.store';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { createNotifierApp } from '../apps/notifier/src/notifier-app';
import { expectNoAccessibilityViolations, launchChromium, signInAs } from '../apps/notifier/src/testing/browser';
import { OutcomesAppModule } from '../apps/outcomes/src/app.module';
import { OUTCOMES_SCHEMA, OutcomesEnvironment } from '../apps/outcomes/src/environment';
import { CommissionerStore } from '../apps/outcomes/src/commissioners/commissioner.store';

/** Set JOURNEY_SCREENSHOTS=<dir> (npm run screenshots) to save each step as a PNG for the README. */
const SCREENSHOTS = process.env.JOURNEY_SCREENSHOTS;

const LINK_WORKER = 'daniel.hughes@linkworkers.example.nhs.uk';
const ORGANISATION = { id: 'abc82f34-5e46-502c-a0b5-40ae131b7961', name: 'Stockton Library Reading Circles', staff: 'ruth.bell@stockton-reading.example.org.uk' };

/**
 * Done when (issue 8): a GP system posts a referral; the link worker signs in, sees the caseload, opens the
 * referral and sees who to call, hands it to an organisation; the organisation signs in, accepts, records a
 * session and a completion with SWEMWBS scores; the completion reaches the commissioner's feed and the GP
 * system's status callbacks. Three services, one database and Redis, real SMTP and Chromium (no JavaScript).
 */
describe('journey: the workspace closes the loop from GP referral to outcome', () => {
  const patient = { nhsNumber: '943 476 5919', givenName: 'Margaret', familyName: 'Oyelaran', dateOfBirth: '1948-02-11', sex: 'female', postcode: 'TS19 7AG', phone: '07700 900123', preferredContactMethod: 'phone' };
  const notes = 'Widowed last year, keen on reading. Prefers morning calls.';

  let database: TestDatabase;
  let redis: TestRedis;
  let smtp: SmtpSink;
  let browser: Browser;
  let callbacks: Server;
  /** The GP system's view: each status callback's data (Standard Webhooks body `{type, timestamp, data}`). */
  const statuses: Array<{ referralId?: string; status?: string }> = [];
  const apps: NestFastifyApplication[] = [];
  const contexts: BrowserContext[] = [];
  const urls: Record<string, string> = {};
  let shot = 0;

  async function listen(app: NestFastifyApplication): Promise<string> {
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await expectNoAccessibilityViolations(page);
    if (!SCREENSHOTS) return;
    shot += 1;
    await page.screenshot({ path: join(SCREENSHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  }

  async function person(email: string): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, baseURL: urls.notifier });
    contexts.push(context);
    const page = await context.newPage();
    await signInAs(page, email, smtp);
    return page;
  }

  beforeAll(async () => {
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    database = await createTestDatabase('workspace-journey');
    redis = createTestRedisPrefix('workspace-journey');
    smtp = await startSmtpSink();
    callbacks = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        statuses.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { referralId?: string; status?: string } }).data);
        response.statusCode = 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
    const common = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, LOG_LEVEL: 'silent', OUTBOX_POLL_MS: '50', EVENT_BACKOFF_MS: '100' };
    urls.intake = await listen(await createIntakeApp(loadEnvironment(IntakeEnvironment, { ...common, CALLBACK_BACKOFF_MS: '100' })));
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const notifier = await createNotifierApp(
      loadEnvironment(NotifierEnvironment, { ...common, PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, SMTP_URL: smtp.url, DELIVERY_BACKOFF_MS: '100', SIGN_IN_LIMIT_PER_CLIENT: '1000' }),
    );
    await notifier.listen(port, '127.0.0.1');
    apps.push(notifier);
    urls.notifier = `http://127.0.0.1:${port}`;
    const outcomesEnv = loadEnvironment(OutcomesEnvironment, common);
    urls.outcomes = await listen(await createServiceApp({ module: OutcomesAppModule.forEnvironment(outcomesEnv), databaseUrl: outcomesEnv.DATABASE_URL, redisUrl: outcomesEnv.REDIS_URL, schemas: [OUTCOMES_SCHEMA] }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    for (const app of apps.reverse()) await app.close();
    await new Promise((resolve) => callbacks?.close(resolve));
    await smtp?.close();
    await redis?.cleanup();
    await database?.drop();
  });

  it('link worker → organisation → commissioner feed and GP status callbacks', async () => {
    const intakeEnv = apps[0].get(IntakeEnvironment);
    const { sender, secret } = await new SenderStore(apps[0].get(DataSource)).register({ name: 'SystmOne (journey)', practiceOdsCodes: ['A81009'], callbackUrl: `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/status` },
      intakeEnv.SENDER_SECRET_KEY,
    );
    const { apiKey } = await new CommissionerStore(apps[apps.length - 1].get(DataSource)).register({ name: 'Tees Valley', scope: { level: 'practice', codes: ['A81009'] } });

    const body = JSON.stringify({ senderReferralId: `S1-${randomUUID()}`, patient, practiceOdsCode: 'A81009', needs: ['loneliness'], urgency: 'routine', consentToShare: true, consentRecordedAt: new Date().toISOString(), referrer: { name: 'Dr Sarah Lin', professionalRole: 'GP' }, notes });
    const webhookId = `msg_${randomUUID()}`;
    const at = new Date();
    const posted = await fetch(`${urls.intake}/v1/referrals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sender-id': sender.id, 'webhook-id': webhookId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(webhookId, at, body) },
      body,
    });
    expect(posted.status).toBe(202);
    const { referralId } = (await posted.json()) as { referralId: string };
    const reference = referralId.slice(0, 8).toUpperCase();
    await eventually(() => smtp.messages.find((mail) => mail.subject === `New social prescribing referral ${referralId}`), 30000);

    // The link worker: caseload, the referral with who to call, the hand-off.
    const linkWorker = await person(LINK_WORKER);
    expect(await linkWorker.locator('h2#new + ul').textContent()).toContain(reference);
    await screenshot(linkWorker, 'caseload');
    await linkWorker.locator(`a[href="/workspace/referrals/${referralId}"]`).click();
    expect(await linkWorker.locator('h1').textContent()).toBe('Margaret Oyelaran');
    const who = await linkWorker.locator('#person').textContent();
    for (const shown of ['943 476 5919', '11 February 1948', '07700 900123', 'Phone call']) expect(who).toContain(shown);
    expect(await linkWorker.locator('#notes').textContent()).toContain(notes);
    await screenshot(linkWorker, 'referral-who-to-call');
    await linkWorker.locator('#hand-off').click();
    expect(await linkWorker.locator(`#organisation-${ORGANISATION.id}`).isChecked()).toBe(true);
    await screenshot(linkWorker, 'hand-off');
    await linkWorker.locator('#save-hand-off').click();
    expect(await linkWorker.locator('#offers').textContent()).toContain(ORGANISATION.name);
    await eventually(() => smtp.messages.find((mail) => mail.subject === `New social prescribing referral ${referralId}` && JSON.stringify(mail.to).includes('stockton-reading')), 30000);

    // The organisation: accepts, sees the name and agreed contact only, records a session and completion with SWEMWBS.
    const organisation = await person(ORGANISATION.staff);
    expect(await organisation.locator('h2#new + ul').textContent()).toContain(reference);
    await organisation.locator(`a[href="/workspace/referrals/${referralId}"]`).click();
    await screenshot(organisation, 'organisation-offer');
    await organisation.locator('#accept').click();
    expect(await organisation.locator('#contact').textContent()).toContain('Phone call: 07700 900123');
    expect(await organisation.content()).not.toContain('943 476 5919');
    expect(await organisation.content()).not.toContain('Widowed');
    await screenshot(organisation, 'organisation-accepted');

    const record = async (kind: string) => {
      await organisation.goto(`/workspace/referrals/${referralId}/record`);
      await organisation.locator(kind === 'contacted' ? '#kind' : `#kind-${kind}`).check();
      await organisation.locator('#save-outcome').click();
    };
    const swemwbs = async (timepoint: 'start' | 'end', answers: number[]) => {
      await organisation.goto(`/workspace/referrals/${referralId}/measures/SWEMWBS`);
      await organisation.locator(timepoint === 'start' ? '#timepoint' : '#timepoint-end').check();
      for (const [index, answer] of answers.entries()) await organisation.locator(answer === 1 ? `#item-${index + 1}` : `#item-${index + 1}-${answer}`).check();
      if (timepoint === 'end') await screenshot(organisation, 'swemwbs-form');
      await organisation.locator('#save-measure').click();
      expect(await organisation.locator('#score').textContent()).toContain(`raw score ${answers.reduce((sum, answer) => sum + answer, 0)}`);
    };
    await record('contacted');
    await swemwbs('start', [2, 2, 3, 2, 3, 2, 3]);
    await record('session-attended');
    await swemwbs('end', [4, 4, 3, 4, 4, 4, 4]);
    await screenshot(organisation, 'swemwbs-score');
    await record('completed');
    expect(await organisation.locator('#history').textContent()).toContain('Support completed');
    await screenshot(organisation, 'completed');

    // The commissioner sees the completion (pseudonymised), and the GP system was told.
    const feed = await eventually(async () => {
      const response = await fetch(`${urls.outcomes}/v1/feeds/outcomes?limit=100`, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/x-ndjson' } });
      const rows = (await response.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      const types = rows.map((row) => row.eventType ?? row.type);
      return types.includes('referral.completed') && types.filter((type) => type === 'referral.measure-recorded').length === 2 ? rows : undefined;
    }, 30000);
    for (const value of ['9434765919', 'Margaret', 'Oyelaran', '1948-02-11', '07700']) expect(JSON.stringify(feed)).not.toContain(value);
    // The GP system was told each step: the hand-off's acceptance and the completion.
    await eventually(() => statuses.some((status) => status.referralId === referralId && status.status === 'accepted'), 30000);
    await eventually(() => statuses.some((status) => status.referralId === referralId && status.status === 'completed'), 30000);
  }, 240_000);
});
