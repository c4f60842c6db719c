import { Browser, BrowserContext, Page } from 'playwright-core';
import { SmtpSink, eventually, startSmtpSink } from '@app/shared/testing';
import { expectNoAccessibilityViolations, launchChromium, signInAs, signInLinkFor } from '../testing/browser';
import { NOTIFIER_SCHEMA } from '../environment';
import { NotifierHarness, SAMPLE, startNotifier } from '../testing/notifier-test-app';
import { randomUUID } from 'node:crypto';
import { JobRunner } from '@app/shared';
import { SignInRequestsSweep } from './sign-in.service';

const ORGANISATION_CONTACT = 'sam.patel@befriending-network.example.org.uk';

/** A form session as a browser would hold it: the session cookie and the page's CSRF token. */
async function formSession(url: string, headers: Record<string, string> = {}): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${url}/sign-in`, { headers });
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await response.text())?.[1] ?? '';
  return { cookie, csrf };
}

function postForm(url: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('sign-in by emailed link (headless Chromium)', () => {
  let sink: SmtpSink;
  let notifier: NotifierHarness;
  let browser: Browser;
  let clientCounter = 0;

  /** Each context gets its own client address (X-Forwarded-For, as behind our proxy), so rate limits do not leak between tests. */
  async function newContext(): Promise<{ context: BrowserContext; page: Page }> {
    clientCounter += 1;
    const context = await browser.newContext({ baseURL: notifier.url, extraHTTPHeaders: { 'x-forwarded-for': `10.1.0.${clientCounter}` } });
    return { context, page: await context.newPage() };
  }

  /** Every sign-in link asked for so far has been sent, or found to be for nobody. */
  const signInRequestsHandled = () =>
    eventually(async () => (await notifier.dataSource.query(`SELECT count(*)::int AS "n" FROM "${NOTIFIER_SCHEMA}"."sign_in_request" WHERE "handled_at" IS NULL`))[0].n === 0);

  const sessionRows = async () => (await notifier.dataSource.query(`SELECT count(*)::int AS "n" FROM "${NOTIFIER_SCHEMA}"."workspace_session" WHERE "person_id" IS NOT NULL`))[0].n as number;

  beforeAll(async () => {
    sink = await startSmtpSink();
    notifier = await startNotifier('sign-in', { SMTP_URL: sink.url, SIGN_IN_LIMIT_PER_CLIENT: '10' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await notifier?.close();
    await sink?.close();
  });

  it('signs a link worker in with the emailed link, shows the workspace, and signs out; every page passes axe', async () => {
    const { context, page } = await newContext();
    await page.goto('/sign-in');
    expect(await page.title()).toBe('Sign in – Social prescribing referrals – NHS');
    await expectNoAccessibilityViolations(page);

    const since = sink.messages.length;
    await page.getByLabel('Email address').fill('  Amira.Khan@LinkWorkers.example.nhs.uk ');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Check your email');
    await expectNoAccessibilityViolations(page);

    const link = await signInLinkFor(sink, SAMPLE.amiraEmail, since);
    const mail = sink.messages.find((message) => message.text?.includes(link));
    expect(mail?.subject).toBe('Your sign-in link for social prescribing referrals');
    expect(mail?.text).toContain('expires in 15 minutes');
    const token = link.split('/sign-in/')[1];
    const [stored] = await notifier.dataSource.query(`SELECT encode("token_hash", 'hex') AS "hash", "expires_at" - "created_at" AS "ttl" FROM "${NOTIFIER_SCHEMA}"."sign_in_token"`);
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await notifier.dataSource.query(`SELECT * FROM "${NOTIFIER_SCHEMA}"."sign_in_token"`))).not.toContain(token);
    expect(stored.ttl).toMatchObject({ minutes: 15 });

    // Opening the link (as a mail scanner would) uses nothing up: it asks for a click.
    await page.goto(link);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in to your workspace');
    await expectNoAccessibilityViolations(page);
    const [unused] = await notifier.dataSource.query(`SELECT "used_at" FROM "${NOTIFIER_SCHEMA}"."sign_in_token"`);
    expect(unused.used_at).toBeNull();

    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${notifier.url}/workspace`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your workspace');
    expect(await page.locator('header').textContent()).toContain('Amira Khan');
    expect(await page.textContent('main')).toContain('You are signed in as Amira Khan');
    await expectNoAccessibilityViolations(page);

    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'workspace-session', path: '/', httpOnly: true, sameSite: 'Lax', secure: false, expires: -1 });
    const [session] = await notifier.dataSource.query(`SELECT encode("id_hash", 'hex') AS "hash", "person_kind", "person_id", "email" FROM "${NOTIFIER_SCHEMA}"."workspace_session" WHERE "person_id" IS NOT NULL`);
    expect(session).toMatchObject({ person_kind: 'link-worker', person_id: SAMPLE.amira, email: SAMPLE.amiraEmail });
    expect(cookie.value).not.toContain(session.hash);

    // The page carries the security headers and is never cached.
    const response = await page.goto('/workspace');
    const headers = response?.headers() ?? {};
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['content-security-policy']).toContain("script-src 'self'");

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${notifier.url}/signed-out`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You have signed out');
    await expectNoAccessibilityViolations(page);
    expect(await sessionRows()).toBe(0);

    const back = await page.goto('/workspace');
    expect(back?.url()).toBe(`${notifier.url}/sign-in`);
    await context.close();
  }, 120_000);

  it('signs organisation staff in as their organisation', async () => {
    const { context, page } = await newContext();
    await signInAs(page, ORGANISATION_CONTACT.toUpperCase(), sink);
    expect(await page.textContent('main')).toContain(`You are signed in as Middlesbrough Befriending Network (${ORGANISATION_CONTACT})`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/signed-out/);
    await context.close();
  });

  it('answers an unknown address exactly as a known one, and sends nothing', async () => {
    const { context, page } = await newContext();
    await page.goto('/sign-in');
    const before = sink.messages.length;
    await page.getByLabel('Email address').fill('nobody@nowhere.example.org.uk');
    const response = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Email me a sign-in link' }).click()]);
    expect(response[0].status()).toBe(200);
    const unknownPage = await page.textContent('main');

    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(SAMPLE.amiraEmail);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(await page.textContent('main')).toBe(unknownPage);

    await signInRequestsHandled();
    const sent = sink.messages.slice(before);
    expect(sent.map((message) => JSON.stringify(message.to))).toEqual([expect.stringContaining(SAMPLE.amiraEmail)]);
    await context.close();
  });

  it('lets an address that is a link worker and an organisation contact switch between the two roles', async () => {
    const dual = 'dual.role@community.example.org.uk';
    const linkWorkerId = randomUUID();
    const organisationId = randomUUID();
    const otherOrganisationId = randomUUID();
    const organisation = (id: string, name: string, contacts: string[]) => ({ id, name, email: `${id}@example.org.uk`, referralContacts: contacts, channels: ['email'], acceptingReferrals: true, locations: [], services: [] });
    const imported = await fetch(`${notifier.url}/v1/directory/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': notifier.env.NOTIFIER_ADMIN_API_KEY },
      body: JSON.stringify({
        linkWorkers: [{ id: linkWorkerId, name: 'Dana Role', email: dual, channels: ['email'], pcnOdsCodes: [], practiceOdsCodes: [] }],
        organisations: [organisation(organisationId, 'Dual Role Gardens', [dual]), organisation(otherOrganisationId, 'Someone Else’s Club', [])],
      }),
    });
    expect(imported.status).toBe(200);

    const { context, page } = await newContext();
    await signInAs(page, dual, sink);
    const account = page.getByRole('navigation', { name: 'Account' });
    expect(await account.textContent()).toContain('Dana Role');
    await account.getByRole('link', { name: 'Switch role' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Choose your role');
    expect(await page.getByLabel('Link worker: Dana Role').isChecked()).toBe(true);
    await expectNoAccessibilityViolations(page);

    // A role the address does not hold is refused by name, and changes nothing.
    const csrf = await page.locator('#maincontent input[name="_csrf"]').getAttribute('value');
    const forged = await context.request.post('/workspace/role', { form: { _csrf: csrf ?? '', role: `organisation:${otherOrganisationId}` }, maxRedirects: 0 });
    expect(forged.status()).toBe(422);
    expect(await forged.text()).toContain('Choose one of your roles');

    await page.getByLabel('Staff of Dual Role Gardens').check();
    await Promise.all([page.waitForURL(/\/workspace$/), page.getByRole('button', { name: 'Continue' }).click()]);
    expect(await account.textContent()).toContain('Dual Role Gardens');
    expect(await account.textContent()).not.toContain('Dana Role');
    await page.goto('/workspace/role');
    expect(await page.getByLabel('Staff of Dual Role Gardens').isChecked()).toBe(true);
    await context.close();
  });

  it('sends a link whose job Redis never got, from the stored request, once', async () => {
    // As if Redis was away when the request was answered: the row is stored, its job is not.
    const before = sink.messages.length;
    const id = randomUUID();
    await notifier.dataSource.query(`INSERT INTO "${NOTIFIER_SCHEMA}"."sign_in_request" ("id", "email", "requested_at") VALUES ($1, $2, now())`, [id, ORGANISATION_CONTACT]);
    const runner = notifier.app.get(JobRunner);
    expect(await runner.sweep(notifier.app.get(SignInRequestsSweep))).toBeGreaterThanOrEqual(1);
    await signInRequestsHandled();
    const link = await signInLinkFor(sink, ORGANISATION_CONTACT, before);
    expect(link).toMatch(/\/sign-in\/[A-Za-z0-9_-]{43}$/);
    // Handled requests are not swept again: no second email.
    await runner.sweep(notifier.app.get(SignInRequestsSweep));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sink.messages.slice(before).filter((message) => JSON.stringify(message.to).includes(ORGANISATION_CONTACT))).toHaveLength(1);
  });

  it('shows the NHS.UK error summary for a bad address and sends nothing', async () => {
    const { context, page } = await newContext();
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill('amira');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    expect(await page.title()).toBe('Error: Sign in – Social prescribing referrals – NHS');
    const summary = page.locator('.nhsuk-error-summary');
    expect(await summary.getByRole('link').getAttribute('href')).toBe('#email');
    expect(await page.locator('#email-error').textContent()).toContain('Error: Enter an email address in the correct format');
    expect(await page.getByLabel('Email address').getAttribute('aria-describedby')).toContain('email-error');
    await expectNoAccessibilityViolations(page);
    await context.close();
  });

  it('refuses a used link and an unknown one', async () => {
    const { context, page } = await newContext();
    await signInAs(page, SAMPLE.amiraEmail, sink);
    const link = await signInLinkFor(sink, SAMPLE.amiraEmail);
    const { context: other, page: otherPage } = await newContext();
    await otherPage.goto(link);
    const [refused] = await Promise.all([otherPage.waitForResponse((r) => r.request().method() === 'POST'), otherPage.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    expect(refused.status()).toBe(410);
    await expect(otherPage.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('This sign-in link cannot be used');
    await expectNoAccessibilityViolations(otherPage);
    expect((await otherPage.goto('/workspace'))?.url()).toBe(`${notifier.url}/sign-in`);

    const made_up = await otherPage.goto('/sign-in/not-a-token');
    expect(made_up?.status()).toBe(404);
    await other.close();
    await context.close();
  });

  it('limits link requests per address and per client with a clear 429 page', async () => {
    const address = 'tom.reilly@linkworkers.example.nhs.uk';
    const statuses: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      const headers = { 'x-forwarded-for': `10.2.0.${attempt}` };
      const { cookie, csrf } = await formSession(notifier.url, headers);
      const response = await postForm(notifier.url, '/sign-in', { _csrf: csrf, email: address }, { ...headers, cookie });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await response.text()).toContain('Too many sign-in attempts');
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

    // One client trying many addresses: SIGN_IN_LIMIT_PER_CLIENT is 10 in this test.
    const { context, page } = await newContext();
    const clientStatuses: number[] = [];
    for (let attempt = 1; attempt <= 11; attempt += 1) {
      await page.goto('/sign-in');
      await page.getByLabel('Email address').fill(`someone${attempt}@example.org.uk`);
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Email me a sign-in link' }).click()]);
      clientStatuses.push(response.status());
    }
    expect(clientStatuses).toEqual([...Array(10).fill(200), 429]);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Too many sign-in attempts');
    await expectNoAccessibilityViolations(page);
    await context.close();
  });

  it('signs out everywhere: another browser of the same person loses its session, other people keep theirs', async () => {
    const first = await newContext();
    const second = await newContext();
    const someoneElse = await newContext();
    await signInAs(first.page, SAMPLE.amiraEmail, sink);
    await signInAs(second.page, SAMPLE.amiraEmail, sink);
    await signInAs(someoneElse.page, 'grace.okafor@linkworkers.example.nhs.uk', sink);

    await first.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await first.page.waitForURL(`${notifier.url}/signed-out/everywhere`);
    await expectNoAccessibilityViolations(first.page);
    expect((await second.page.goto('/workspace'))?.url()).toBe(`${notifier.url}/sign-in`);
    expect((await someoneElse.page.goto('/workspace'))?.url()).toBe(`${notifier.url}/workspace`);
    for (const { context } of [first, second, someoneElse]) await context.close();
  });

  it('refuses a form without its CSRF token with 403 and changes nothing', async () => {
    const { context, page } = await newContext();
    await signInAs(page, 'daniel.hughes@linkworkers.example.nhs.uk', sink);
    const sessions = await sessionRows();

    // Same cookies as the signed-in browser, but no token (as a form on another site would send).
    const forged = await context.request.post('/sign-out/everywhere', { form: { anything: 'x' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('This form could not be sent');
    const wrongToken = await context.request.post('/sign-out/everywhere', { form: { _csrf: 'made-up' }, maxRedirects: 0 });
    expect(wrongToken.status()).toBe(403);
    const bodiless = await context.request.post('/sign-out', { maxRedirects: 0 });
    expect(bodiless.status()).toBe(403);
    expect(await sessionRows()).toBe(sessions);
    expect((await page.goto('/workspace'))?.url()).toBe(`${notifier.url}/workspace`);

    // Nor can another site start a sign-in in someone's name.
    const before = sink.messages.length;
    const noToken = await postForm(notifier.url, '/sign-in', { email: SAMPLE.amiraEmail });
    expect(noToken.status).toBe(403);
    await signInRequestsHandled();
    expect(sink.messages.length).toBe(before);
    await context.close();
  });
});

describe('link and session lifetimes (short durations)', () => {
  let sink: SmtpSink;
  let notifier: NotifierHarness;
  let shortLinks: NotifierHarness;
  let browser: Browser;

  beforeAll(async () => {
    sink = await startSmtpSink();
    [notifier, shortLinks] = await Promise.all([
      startNotifier('sign-in-sessions', { SMTP_URL: sink.url, WORKSPACE_SESSION_IDLE_SECONDS: '3', WORKSPACE_SESSION_MAX_SECONDS: '6' }),
      startNotifier('sign-in-links', { SMTP_URL: sink.url, SIGN_IN_LINK_TTL_SECONDS: '1' }),
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([notifier?.close(), shortLinks?.close()]);
    await sink?.close();
  });

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('refuses an expired link', async () => {
    const context = await browser.newContext({ baseURL: shortLinks.url });
    const page = await context.newPage();
    const since = sink.messages.length;
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(SAMPLE.amiraEmail);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const link = await signInLinkFor(sink, SAMPLE.amiraEmail, since);
    await page.goto(link);
    await pause(1500);
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    expect(response.status()).toBe(410);
    expect((await page.goto('/workspace'))?.url()).toBe(`${shortLinks.url}/sign-in`);
    await context.close();
  });

  it('ends a session left idle', async () => {
    const context = await browser.newContext({ baseURL: notifier.url });
    const page = await context.newPage();
    await signInAs(page, SAMPLE.amiraEmail, sink);
    await pause(3500);
    expect((await page.goto('/workspace'))?.url()).toBe(`${notifier.url}/sign-in`);
    await context.close();
  });

  it('ends an active session at the absolute limit', async () => {
    const context = await browser.newContext({ baseURL: notifier.url });
    const page = await context.newPage();
    await signInAs(page, SAMPLE.amiraEmail, sink);
    const signedInAt = Date.now();
    const seen: string[] = [];
    while (Date.now() - signedInAt < 7500) {
      seen.push(new URL((await page.goto('/workspace'))?.url() ?? '').pathname);
      await pause(700);
    }
    expect(seen[0]).toBe('/workspace');
    expect(seen.at(-1)).toBe('/sign-in');
    // Active all along (never 3 s idle), so only the absolute limit can have ended it.
    expect(seen.indexOf('/sign-in')).toBeGreaterThan(3);
    await context.close();
  });
});

describe('cookies over https', () => {
  let notifier: NotifierHarness;

  beforeAll(async () => {
    notifier = await startNotifier('sign-in-https', { PUBLIC_BASE_URL: 'https://referrals.example.nhs.uk' });
  });

  afterAll(async () => {
    await notifier?.close();
  });

  it('marks the session cookie Secure (and __Host-) when PUBLIC_BASE_URL is https', async () => {
    const { port } = notifier.app.getHttpServer().address() as { port: number };
    // As behind the TLS-terminating proxy: it says the request came over https.
    const response = await fetch(`http://127.0.0.1:${port}/sign-in`, { headers: { 'x-forwarded-proto': 'https' } });
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^__Host-workspace-session=/);
    for (const attribute of ['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']) expect(cookie).toContain(attribute);
    expect(cookie).not.toMatch(/Max-Age|Expires|Domain/i);
  });
});
