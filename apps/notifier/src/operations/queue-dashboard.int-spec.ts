import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../testing/browser';
import { NotifierHarness, startNotifier } from '../testing/notifier-test-app';
import { QUEUE_DASHBOARD_PATH } from './queue-dashboard';

/**
 * The actions a queue's page offers: bull-board draws them in a menu beside the status tabs, left out in
 * read-only mode (retry and promote on single jobs follow the same switch).
 */
async function queueActions(page: Page, baseUrl: string): Promise<string[]> {
  await page.goto(`${baseUrl}${QUEUE_DASHBOARD_PATH}/queue/events.notifier`);
  // The status tabs are drawn with the header, menu or not.
  await page.locator('a', { hasText: /^active$/i }).first().waitFor();
  const menu = page.locator('[class*="stickyHeader"] button[aria-haspopup="menu"]');
  if ((await menu.count()) === 0) return [];
  await menu.first().click();
  await page.getByRole('menuitem').first().waitFor();
  return (await page.getByRole('menuitem').allTextContents()).map((text) => text.trim());
}

/**
 * The queue dashboard (bull-board) as an operator opens it: in a real browser, behind the admin key, under
 * the Content-Security-Policy the service sends. It must draw every queue without the browser refusing
 * any of its scripts or styles, and the rest of the service keeps its strict policy.
 */
describe('the queue dashboard in a browser', () => {
  let notifier: NotifierHarness;
  let browser: Browser;

  beforeAll(async () => {
    notifier = await startNotifier('queue_dashboard');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await notifier?.close();
  });

  it('shows every queue, read-only, with nothing blocked by the Content-Security-Policy', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: notifier.env.NOTIFIER_ADMIN_API_KEY } });
    try {
      const page = await context.newPage();
      const refused: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
      });
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(request.url()));
      page.on('response', (response) => response.status() >= 400 && failed.push(`${response.status()} ${response.url()}`));
      await page.goto(`${notifier.url}${QUEUE_DASHBOARD_PATH}`);
      await page.getByText('Referral queues').first().waitFor();
      for (const queue of ['events.notifier', 'events.outcomes', 'events.referral-intake', 'notifier.deliver-email', 'notifier.reminders']) {
        await page.getByText(queue, { exact: true }).first().waitFor({ timeout: 10_000 });
      }
      // Its stylesheets loaded and applied, not an unstyled page.
      expect(await page.evaluate('document.styleSheets.length')).toBeGreaterThan(0);
      expect(refused).toEqual([]);
      expect(failed).toEqual([]);
      // Read-only: no pause, empty, clean or add-job menu on a queue's page.
      expect(await queueActions(page, notifier.url)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('sends the strict policy everywhere else', async () => {
    const dashboard = await fetch(`${notifier.url}${QUEUE_DASHBOARD_PATH}`, { headers: { 'x-api-key': notifier.env.NOTIFIER_ADMIN_API_KEY } });
    const elsewhere = await fetch(`${notifier.url}/sign-in`);
    const strict = elsewhere.headers.get('content-security-policy') ?? '';
    expect(strict).toContain("script-src 'self'");
    expect(strict).not.toContain('unsafe-inline');
    // The dashboard's own policy still allows nothing from other origins and no framing.
    const board = dashboard.headers.get('content-security-policy') ?? '';
    expect(board).toContain("frame-ancestors 'none'");
    expect(board).toContain("default-src 'self'");
  });
});

/** The read-only check above proves something only if the same page offers the actions when they are allowed. */
describe('the queue dashboard with QUEUE_DASHBOARD_READ_ONLY=false', () => {
  let notifier: NotifierHarness;
  let browser: Browser;

  beforeAll(async () => {
    notifier = await startNotifier('queue_dashboard_actions', { QUEUE_DASHBOARD_READ_ONLY: 'false' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await notifier?.close();
  });

  it("offers a queue's actions", async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: notifier.env.NOTIFIER_ADMIN_API_KEY } });
    try {
      const actions = await queueActions(await context.newPage(), notifier.url);
      expect(actions).toEqual(expect.arrayContaining([expect.stringMatching(/pause/i), expect.stringMatching(/empty/i)]));
    } finally {
      await context.close();
    }
  });
});
