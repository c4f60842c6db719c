import { Browser } from 'playwright-core';
import { EventType } from '@app/shared';
import { SmtpSink, eventually, startSmtpSink } from '@app/shared/testing';
import { expectNoAccessibilityViolations, launchChromium } from '../testing/browser';
import { NotifierHarness, PATIENT, receivedPayload, startNotifier } from '../testing/notifier-test-app';
import { ActionLinkSigner } from './action-link';
import { NOTIFIER_SCHEMA } from '../environment';

describe('accept or decline in one click (headless Chromium)', () => {
  let sink: SmtpSink;
  let notifier: NotifierHarness;
  let browser: Browser;

  beforeAll(async () => {
    sink = await startSmtpSink();
    notifier = await startNotifier('actions', { SMTP_URL: sink.url });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await notifier?.close();
    await sink?.close();
  });

  /** Sends a referral and returns the action link from the email each organisation received. */
  async function organisationLinks(): Promise<{ referralId: string; links: string[] }> {
    const event = await notifier.receive(receivedPayload({ needs: ['loneliness'] }));
    const mails = await eventually(() => {
      const found = sink.messages.filter((mail) => mail.subject?.includes(event.referralId) && JSON.stringify(mail.to).includes('example.org.uk'));
      return found.length === 2 ? found : undefined;
    });
    const links = mails.map((mail) => /(http:\/\/\S+\/t\/[A-Za-z0-9_.-]+)/.exec(mail.text ?? '')?.[1] as string);
    return { referralId: event.referralId, links };
  }

  function taskIdOf(link: string): string {
    const check = new ActionLinkSigner(notifier.env.ACTION_LINK_SECRET, 60_000).verify(link.split('/t/')[1]);
    if (!check.valid) throw new Error(`the emailed link should verify (${check.reason})`);
    return check.taskId;
  }

  async function phone(javaScriptEnabled = false) {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled, isMobile: true });
    return { context, page: await context.newPage() };
  }

  const decisions = async (referralId: string) =>
    [...(await notifier.outbox(EventType.ReferralAccepted)), ...(await notifier.outbox(EventType.ReferralDeclined))].filter((e) => e.referralId === referralId);

  it('shows the task without identifying the patient and accepts it with JavaScript off', async () => {
    const { referralId, links } = await organisationLinks();
    const { context, page } = await phone(false);
    // The browser reports what the CSP refused (a font from a CDN, an inline style) as console errors.
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    const response = await page.goto(links[0]);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Social prescribing referral');
    const text = (await page.textContent('body')) ?? '';
    expect(text).toContain(referralId);
    expect(text).toContain('Loneliness and social isolation');
    for (const value of [...Object.values(PATIENT), '943 476 5919']) expect(text).not.toContain(value);
    expect(await page.getByLabel('Reason').count()).toBe(1);
    // The NHS.UK page shell, served by us; nothing inline (the CSP would refuse it).
    expect(await page.locator('link[rel="stylesheet"]').getAttribute('href')).toBe('/assets/app/nhsuk-frontend.css');
    expect(await page.locator('style, [style]').count()).toBe(0);
    expect(response?.headers()['content-security-policy']).toContain("style-src 'self'");
    expect(await page.evaluate('getComputedStyle(document.querySelector("#accept")).backgroundColor')).toBe('rgb(0, 127, 59)');
    await page.evaluate('document.fonts.ready');
    expect(consoleErrors).toEqual([]);
    await expectNoAccessibilityViolations(page);

    await page.getByRole('button', { name: 'Accept this referral' }).click();
    await page.waitForURL(links[0]);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Referral accepted');
    await expectNoAccessibilityViolations(page);
    const [accepted] = await eventually(async () => {
      const found = await decisions(referralId);
      return found.length ? found : undefined;
    });
    expect(accepted.type).toBe(EventType.ReferralAccepted);
    expect(accepted.payload).toMatchObject({ recipientType: 'organisation', organisationId: expect.any(String), decidedAt: expect.any(String) });
    const [task] = await notifier.dataSource.query(`SELECT "status" FROM "${NOTIFIER_SCHEMA}"."task" WHERE "id" = $1`, [taskIdOf(links[0])]);
    expect(task.status).toBe('accepted');

    const told = await eventually(() => sink.messages.find((mail) => mail.subject === `Accepted: social prescribing referral ${referralId}`));
    expect(JSON.stringify(told.to)).toContain('amira.khan@');
    expect(told.text).toMatch(/has accepted this referral/);

    const again = await page.goto(links[0]);
    expect(again?.status()).toBe(409);
    expect(await page.textContent('body')).toContain('already accepted');
    await expectNoAccessibilityViolations(page);
    await context.close();
    expect(await decisions(referralId)).toHaveLength(1);
  });

  it('declines with a reason, and a second decision on the same link changes nothing', async () => {
    const { referralId, links } = await organisationLinks();
    const { context, page } = await phone(true);
    const staleTab = await context.newPage();
    await staleTab.goto(links[1]);
    await page.goto(links[1]);
    await page.getByLabel('Reason').selectOption('no-capacity');
    await page.getByLabel(/More detail/).fill('Our groups are full until March.');
    await page.getByRole('button', { name: 'Decline this referral' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Referral declined');
    await expectNoAccessibilityViolations(page);
    const [declined] = await eventually(async () => {
      const found = await decisions(referralId);
      return found.length ? found : undefined;
    });
    expect(declined.type).toBe(EventType.ReferralDeclined);
    expect(declined.payload).toMatchObject({ reason: 'no-capacity', reasonText: 'Our groups are full until March.' });
    const told = await eventually(() => sink.messages.find((mail) => mail.subject === `Declined: social prescribing referral ${referralId}`));
    expect(told.text).toContain('has declined this referral (No capacity at the moment: Our groups are full until March.)');

    await staleTab.getByRole('button', { name: 'Accept this referral' }).click();
    await expect(staleTab.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Already answered');
    expect(await staleTab.textContent('body')).toContain('already declined');
    await context.close();
    expect(await decisions(referralId)).toHaveLength(1);
  });

  it('asks for a few words when the reason is "other", publishing nothing until then', async () => {
    const { referralId, links } = await organisationLinks();
    const { context, page } = await phone(false);
    await page.goto(links[0]);
    await page.getByLabel('Reason').selectOption('other');
    await page.getByRole('button', { name: 'Decline this referral' }).click();
    expect(await page.title()).toMatch(/^Error: /);
    expect(await page.getByRole('alert').getByRole('link', { name: 'Say briefly why you are declining' }).getAttribute('href')).toBe('#reasonText');
    expect(await page.locator('#reasonText-error').textContent()).toBe('Error: Say briefly why you are declining');
    expect(await page.getByLabel('Reason').inputValue()).toBe('other');
    await expectNoAccessibilityViolations(page);
    expect(await decisions(referralId)).toHaveLength(0);
    await context.close();
  });

  it('refuses a tampered or expired link', async () => {
    const { links } = await organisationLinks();
    const { context, page } = await phone(false);
    const token = links[0].split('/t/')[1];
    const tampered = `${token.slice(0, 5)}${token[5] === 'A' ? 'B' : 'A'}${token.slice(6)}`;
    const refused = await page.goto(`${notifier.url}/t/${tampered}`);
    expect(refused?.status()).toBe(404);
    expect(await page.textContent('h1')).toBe('This link cannot be used');
    await expectNoAccessibilityViolations(page);

    const { token: old } = new ActionLinkSigner(notifier.env.ACTION_LINK_SECRET, 60_000).sign(taskIdOf(links[0]), new Date(Date.now() - 120_000));
    const expired = await page.goto(`${notifier.url}/t/${old}`);
    expect(expired?.status()).toBe(410);
    expect(await page.textContent('body')).toContain('This link has expired');
    await context.close();
  });
});
