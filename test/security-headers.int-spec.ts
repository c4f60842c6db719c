import type { Browser } from 'playwright-core';
import { startIntake, IntakeHarness } from '../apps/referral-intake/src/testing/intake-harness';
import { startNotifier, NotifierHarness } from '../apps/notifier/src/testing/notifier-test-app';
import { launchChromium } from '../apps/notifier/src/testing/browser';
import { startOutcomes, OutcomesHarness } from '../apps/outcomes/src/testing/harness';

/** The headers libs/shared's bootstrap puts on every response of every service. */
function expectSecurityHeaders(headers: Record<string, unknown>): void {
  const csp = String(headers['content-security-policy']);
  for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'"]) {
    expect(csp).toContain(directive);
  }
  expect(csp).not.toContain('unsafe-inline');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(headers['cache-control']).toBe('no-store');
}

describe('security headers on every service', () => {
  let intake: IntakeHarness;
  let notifier: NotifierHarness;
  let outcomes: OutcomesHarness;
  let browser: Browser;

  beforeAll(async () => {
    [intake, notifier, outcomes] = await Promise.all([startIntake('headers-intake'), startNotifier('headers-notifier'), startOutcomes('headers-outcomes')]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([intake?.close(), notifier?.close(), outcomes?.close()]);
  });

  it('referral-intake: on its API, its errors and its health check', async () => {
    for (const path of ['/health/live', '/v1/referrals', '/no-such-route']) {
      const response = await fetch(`${intake.baseUrl}${path}`);
      expectSecurityHeaders(Object.fromEntries(response.headers));
    }
  });

  it('notifier: on pages, on the API, and assets are cacheable but still framed by nobody', async () => {
    for (const path of ['/sign-in', '/t/not-a-token', '/v1/directory/organisations', '/health/live']) {
      const response = await fetch(`${notifier.url}${path}`);
      expectSecurityHeaders(Object.fromEntries(response.headers));
    }
    const css = await fetch(`${notifier.url}/assets/nhsuk/nhsuk-frontend.min.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(css.headers.get('cache-control')).toMatch(/max-age=86400/);
    expect(css.headers.get('x-frame-options')).toBe('DENY');
    const pageCss = await fetch(`${notifier.url}/assets/app/nhsuk-frontend.css`);
    expect(pageCss.status).toBe(200);
    expect(pageCss.headers.get('content-type')).toContain('text/css');
    expect(pageCss.headers.get('cache-control')).toMatch(/max-age=86400/);
    expect(pageCss.headers.get('x-frame-options')).toBe('DENY');
    // The pages' stylesheet loads nothing from another origin (the CSP would block it: font-src 'self').
    const pageCssText = await pageCss.text();
    expect(pageCssText).toContain('.nhsuk-button');
    expect(pageCssText).not.toMatch(/url\(\s*["']?https?:/);
    // Only the compiled package is served, not its sources.
    expect((await fetch(`${notifier.url}/assets/nhsuk/index.scss`)).status).toBe(404);
  });

  it('outcomes: on its API and health check', async () => {
    for (const url of ['/health/live', '/v1/feeds/events', '/no-such-route']) {
      const response = await outcomes.request({ url });
      expectSecurityHeaders(response.headers);
    }
  });

  it("renders intake's Swagger UI at /docs in Chromium: styles relaxed there only, scripts never", async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
    const response = await page.goto(`${intake.baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 15000 });
    expect(await page.locator('.swagger-ui .opblock').count()).toBeGreaterThan(0);
    expect(blocked).toEqual([]);
    // The icon sprite is hidden as Swagger UI intends, so the title sits near the top.
    expect((await page.locator('.swagger-ui .info .title').boundingBox())?.y).toBeLessThan(150);
    await page.close();
  });
});
