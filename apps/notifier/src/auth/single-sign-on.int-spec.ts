import { Browser, BrowserContext, Page } from 'playwright-core';
import { expectNoAccessibilityViolations, launchChromium } from '../testing/browser';
import { NotifierHarness, SAMPLE, freePort, startNotifier } from '../testing/notifier-test-app';
import { OIDC_TEST_CLIENT, TestOidcProvider, startOidcProvider } from '../testing/oidc-test-provider';
import { NOTIFIER_SCHEMA } from '../environment';

describe('single sign-on by OpenID Connect (a real oidc-provider, headless Chromium)', () => {
  let provider: TestOidcProvider;
  let notifier: NotifierHarness;
  let browser: Browser;

  beforeAll(async () => {
    // The notifier discovers the provider on first use, so it can start first and tell the provider its address.
    const providerPort = await freePort();
    notifier = await startNotifier('oidc', {
      OIDC_ISSUER_URL: `http://127.0.0.1:${providerPort}`,
      OIDC_CLIENT_ID: OIDC_TEST_CLIENT.clientId,
      OIDC_CLIENT_SECRET: OIDC_TEST_CLIENT.clientSecret,
      OIDC_PROVIDER_NAME: 'NHS CIS2',
    });
    provider = await startOidcProvider({ port: providerPort, redirectUri: `${notifier.url}/sign-in/oidc/callback` });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await provider?.close();
    await notifier?.close();
  });

  const signedInSessions = async () => (await notifier.dataSource.query(`SELECT "person_kind", "person_id", "email" FROM "${NOTIFIER_SCHEMA}"."workspace_session" WHERE "person_id" IS NOT NULL`)) as Array<Record<string, string>>;

  /** From our sign-in page through the provider's own login and consent screens, back to us. */
  async function signOnAs(login: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ baseURL: notifier.url });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Sign in with NHS CIS2' }).click();
    await page.waitForURL(new RegExp(`^${provider.issuer}/interaction/`));
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    // Back with us: /workspace after a redirect, or the callback's own page when sign-in is refused.
    await page.waitForURL((url) => url.origin === notifier.url);
    return { context, page };
  }

  it('offers the button on the sign-in page, and signs a link worker in through the provider', async () => {
    const { context, page } = await signOnAs(SAMPLE.amiraEmail);
    expect(page.url()).toBe(`${notifier.url}/workspace`);
    expect(await page.textContent('main')).toContain('You are signed in as Amira Khan');
    expect(await signedInSessions()).toEqual([{ person_kind: 'link-worker', person_id: SAMPLE.amira, email: SAMPLE.amiraEmail }]);
    // The state, nonce and PKCE verifier were used once and are gone from the session.
    const [row] = await notifier.dataSource.query(`SELECT "data" FROM "${NOTIFIER_SCHEMA}"."workspace_session" WHERE "person_id" IS NOT NULL`);
    expect(row.data.oidc).toBeUndefined();

    await page.goto('/sign-in');
    await expectNoAccessibilityViolations(page);
    await page.goto('/workspace');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${notifier.url}/signed-out`);
    await context.close();
  });

  it('tells someone the provider knows but the directory does not that they are not set up, and opens no session', async () => {
    const { context, page } = await signOnAs('stranger@nhs.example.net');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You are not set up to use this service');
    await expectNoAccessibilityViolations(page);
    expect(await signedInSessions()).toEqual([]);
    expect((await page.goto('/workspace'))?.url()).toBe(`${notifier.url}/sign-in`);
    await context.close();
  });

  it('refuses a callback it did not start (forged state) with no session', async () => {
    const context = await browser.newContext({ baseURL: notifier.url });
    const page = await context.newPage();
    const response = await page.goto('/sign-in/oidc/callback?code=made-up&state=made-up');
    expect(response?.status()).toBe(400);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign-in did not complete');
    await expectNoAccessibilityViolations(page);
    expect(await signedInSessions()).toEqual([]);
    await context.close();
  });
});

describe('single sign-on switched off', () => {
  let notifier: NotifierHarness;

  beforeAll(async () => {
    notifier = await startNotifier('oidc-off');
  });

  afterAll(async () => {
    await notifier?.close();
  });

  it('shows no button and answers 404 at its addresses', async () => {
    expect(await (await fetch(`${notifier.url}/sign-in`)).text()).not.toContain('/sign-in/oidc');
    expect((await fetch(`${notifier.url}/sign-in/oidc`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${notifier.url}/sign-in/oidc/callback?code=x&state=y`, { redirect: 'manual' })).status).toBe(404);
  });
});
