import AxeBuilder from '@axe-core/playwright';
import { Browser, Page, chromium } from 'playwright-core';
import type { SmtpSink } from '@app/shared/testing';
import { eventually } from '@app/shared/testing';

/** Headless Chromium as CI has it (Debian's chromium, driven by playwright-core). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** WCAG 2.2 AA as axe tags it (2.0, 2.1 and 2.2 success criteria at levels A and AA). */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe on the page as it is now and fails listing each violation's rule and elements. axe needs
 * JavaScript, and many tests browse with it off (pages must work without it), so axe runs on a copy:
 * the same document, at the same address and viewport, with the same stylesheets and headers, in a
 * JavaScript-enabled context of the same browser.
 */
export async function expectNoAccessibilityViolations(page: Page): Promise<void> {
  const browser = page.context().browser();
  if (!browser) throw new Error('expectNoAccessibilityViolations needs a page from a launched browser');
  const url = page.url();
  const html = await page.content();
  const copy = await browser.newContext({ viewport: page.viewportSize(), javaScriptEnabled: true });
  try {
    await copy.route(url, async (route) => {
      const original = await route.fetch({ method: 'GET', maxRedirects: 0 });
      await route.fulfill({ status: 200, headers: { ...original.headers(), 'content-type': 'text/html; charset=utf-8' }, body: html });
    });
    const twin = await copy.newPage();
    await twin.goto(url);
    const { violations } = await new AxeBuilder({ page: twin }).withTags(WCAG_TAGS).analyze();
    if (violations.length > 0) {
      const report = violations
        .map((violation) => `${violation.id} (${violation.impact ?? 'unknown'}): ${violation.help}\n    ${violation.nodes.map((node) => node.target.join(' ')).join('\n    ')}`)
        .join('\n  ');
      throw new Error(`${violations.length} accessibility violation(s) on ${url}:\n  ${report}`);
    }
  } finally {
    await copy.close();
  }
}

/** The sign-in link in the newest email to this address that arrived after `since` messages. */
export async function signInLinkFor(mailbox: SmtpSink, email: string, since = 0): Promise<string> {
  const mail = await eventually(() =>
    mailbox.messages.slice(since).reverse().find((message) => message.to && JSON.stringify(message.to).toLowerCase().includes(email.toLowerCase()) && /sign-in link/i.test(message.subject ?? '')),
  );
  const link = /(https?:\/\/\S+\/sign-in\/[A-Za-z0-9_-]{43})/.exec(mail.text ?? '')?.[1];
  if (!link) throw new Error(`No sign-in link in the email to ${email}`);
  return link;
}

/**
 * Signs the page's browser context in as `email` through the real flow: the form, the emailed link
 * (read from the test SMTP sink), the confirm button. Ends on the page sign-in leads to (/workspace).
 * Give `baseUrl`, or create the context with `baseURL`.
 */
export async function signInAs(page: Page, email: string, mailbox: SmtpSink, options: { baseUrl?: string } = {}): Promise<void> {
  const since = mailbox.messages.length;
  await page.goto(`${options.baseUrl ?? ''}/sign-in`);
  await page.getByLabel('Email address').fill(email);
  const [requested] = await Promise.all([
    page.waitForResponse((response) => response.request().method() === 'POST'),
    page.getByRole('button', { name: 'Email me a sign-in link' }).click(),
  ]);
  if (requested.status() !== 200) throw new Error(`Asking for a sign-in link for ${email} answered ${requested.status()} (429: the address or client is rate-limited)`);
  await page.goto(await signInLinkFor(mailbox, email, since));
  await Promise.all([page.waitForURL(/\/workspace/), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
}
