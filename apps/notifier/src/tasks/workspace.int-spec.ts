import { Browser, BrowserContext, Page } from 'playwright-core';
import { EventType } from '@app/shared';
import { SmtpSink, eventually, startSmtpSink } from '@app/shared/testing';
import { ActionLinkSigner } from '../actions/action-link';
import { expectNoAccessibilityViolations, launchChromium, signInAs } from '../testing/browser';
import { NotifierHarness, PATIENT, SAMPLE, receivedPayload, startNotifier } from '../testing/notifier-test-app';
import { TasksStore } from './tasks.store';
import { NOTIFIER_SCHEMA } from '../environment';

const ORG = {
  befriending: 'ad932e9a-2678-5fcb-91f0-5542ed4baddc',
  dorman: '3a5b044e-f60b-5948-8ed8-23d7e3b98cc6',
  debtAdvice: 'af0d8056-8574-5dad-aa10-e2b4f0ab23c5',
  stocktonLibrary: 'abc82f34-5e46-502c-a0b5-40ae131b7961',
};
const STAFF = {
  befriending: 'sam.patel@befriending-network.example.org.uk',
  debtAdvice: 'jo.clarke@teesvalley-advice.example.org.uk',
};
const DANIEL_EMAIL = 'daniel.hughes@linkworkers.example.nhs.uk';
const NOTES = 'Widowed last year, keen on gardening. Prefers morning calls.';

/**
 * The workspace in headless Chromium with JavaScript off (every page must work without it), on a phone-sized
 * screen, each page checked with axe (WCAG 2.2 AA): real Postgres, Redis, SMTP and sign-in by emailed link.
 */
// Each journey signs people in and runs axe on every page: minutes on a busy CI machine, not seconds.
jest.setTimeout(240_000);

describe('the workspace (headless Chromium, no JavaScript)', () => {
  let sink: SmtpSink;
  let notifier: NotifierHarness;
  let browser: Browser;
  let store: TasksStore;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    notifier = await startNotifier('workspace', { SMTP_URL: sink.url, SIGN_IN_LIMIT_PER_CLIENT: '1000', SIGN_IN_LIMIT_PER_ADDRESS: '100' });
    store = notifier.app.get(TasksStore);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await notifier?.close();
    await sink?.close();
  });

  async function signedIn(email: string): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, baseURL: notifier.url });
    contexts.push(context);
    const page = await context.newPage();
    await signInAs(page, email, sink);
    return page;
  }

  async function routed(payload = receivedPayload()) {
    const event = await notifier.receive(payload);
    await notifier.handled(event.jobId);
    return event;
  }

  const taskOf = async (referralId: string, recipientId: string) => (await store.tasksOf(referralId)).find((task) => task.recipientId === recipientId)!;
  const count = async (table: string, referralId: string) => (await notifier.dataSource.query(`SELECT count(*)::int AS n FROM "${NOTIFIER_SCHEMA}"."${table}" WHERE "referral_id" = $1`, [referralId]))[0].n as number;

  it('link worker: caseload, then the referral page with who to call, audited and saying so', async () => {
    const event = await routed(receivedPayload({ notes: NOTES, referrer: { name: 'Dr A Khan', professionalRole: 'GP' }, patient: { ...PATIENT, preferredContactMethod: 'phone' } }));
    const page = await signedIn(SAMPLE.amiraEmail);
    await page.goto('/workspace');
    expect(await page.locator('h1').textContent()).toBe('Your workspace');
    const waiting = page.locator('h2#waiting + ul');
    expect(await waiting.textContent()).toContain(event.referralId.slice(0, 8).toUpperCase());
    expect(await page.content()).not.toContain(PATIENT.familyName);
    await expectNoAccessibilityViolations(page);

    await page.locator(`a[href="/workspace/referrals/${event.referralId}"]`).click();
    expect(await page.locator('h1').textContent()).toBe('Margaret Oyelaran');
    const person = await page.locator('#person').textContent();
    for (const shown of ['943 476 5919', '11 February 1948', '07700 900999', PATIENT.email, 'Phone call']) expect(person).toContain(shown);
    expect(await page.locator('#notes').textContent()).toContain(NOTES);
    expect(await page.locator('#audit-notice').textContent()).toContain('has been recorded');
    const summary = await page.locator('main').textContent();
    for (const shown of ['Loneliness and social isolation', 'Routine', 'Linthorpe Road Surgery (A81001)', 'Dr A Khan, GP']) expect(summary).toContain(shown);
    await expectNoAccessibilityViolations(page);
    expect(await notifier.dataSource.query(`SELECT "viewer_kind", "viewer_id", "viewer_email" FROM "${NOTIFIER_SCHEMA}"."details_view" WHERE "referral_id" = $1`, [event.referralId])).toEqual([
      { viewer_kind: 'link-worker', viewer_id: SAMPLE.amira, viewer_email: SAMPLE.amiraEmail },
    ]);

    // Another link worker cannot open it; nothing is shown or audited.
    const other = await signedIn(DANIEL_EMAIL);
    const refused = await other.goto(`/workspace/referrals/${event.referralId}`);
    expect(refused?.status()).toBe(403);
    expect(await other.content()).not.toContain('943 476 5919');
    await expectNoAccessibilityViolations(other);
    expect(await count('details_view', event.referralId)).toBe(1);
  });

  it('hand-off: suggestions wait for the link worker, bad input stores nothing, then offer and remove', async () => {
    const event = await routed(receivedPayload({ practiceOdsCode: 'A81009', needs: ['loneliness'], patient: { ...PATIENT, postcode: 'TS19 7AG' } }));
    const page = await signedIn(DANIEL_EMAIL);
    await page.goto('/workspace');
    expect(await page.locator('h2#new + ul').textContent()).toContain(event.referralId.slice(0, 8).toUpperCase());
    await page.goto(`/workspace/referrals/${event.referralId}`);
    await page.locator('#hand-off').click();
    expect(await page.locator(`#organisation-${ORG.stocktonLibrary}`).isChecked()).toBe(true);
    expect(await page.locator(`#organisation-${ORG.stocktonLibrary}-hint`).textContent()).toContain('suggested by routing');
    await expectNoAccessibilityViolations(page);

    await page.locator(`#organisation-${ORG.stocktonLibrary}`).uncheck();
    const [refused] = await Promise.all([page.waitForResponse((response) => response.request().method() === 'POST'), page.locator('#save-hand-off').click()]);
    expect(refused.status()).toBe(422);
    expect(await page.locator('.nhsuk-error-summary').textContent()).toContain('Select at least one organisation');
    expect(await page.locator('.nhsuk-error-summary a').getAttribute('href')).toBe(`#organisation-${ORG.stocktonLibrary}`);
    await expectNoAccessibilityViolations(page);
    expect((await store.tasksOf(event.referralId)).map((task) => task.recipientType)).toEqual(['link-worker']);

    await page.locator(`#organisation-${ORG.stocktonLibrary}`).check();
    await page.locator(`#organisation-${ORG.befriending}`).check();
    await page.locator('#save-hand-off').click();
    expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain('Offers saved');
    expect(await page.locator('#offers').textContent()).toContain('Middlesbrough Befriending Network');
    await expectNoAccessibilityViolations(page);
    expect((await taskOf(event.referralId, ORG.befriending)).status).toBe('open');

    await page.locator('#hand-off').click();
    await page.locator(`#organisation-${ORG.befriending}`).uncheck();
    await page.locator('#save-hand-off').click();
    expect((await taskOf(event.referralId, ORG.befriending)).status).toBe('withdrawn');
    expect(await page.locator('#offers').textContent()).toContain('Offer withdrawn: removed by the link worker');
    await eventually(() => sink.messages.find((mail) => mail.subject === `No longer needed: social prescribing referral ${event.referralId}`));
  });

  it('organisation: accepts, sees only name and agreed contact, records outcomes and SWEMWBS; bad input stores nothing', async () => {
    const event = await routed(receivedPayload({ notes: NOTES, patient: { ...PATIENT, preferredContactMethod: 'phone' } }));
    const page = await signedIn(STAFF.befriending);
    await page.goto('/workspace');
    expect(await page.locator('h2#new + ul').textContent()).toContain(event.referralId.slice(0, 8).toUpperCase());
    await expectNoAccessibilityViolations(page);
    await page.goto(`/workspace/referrals/${event.referralId}`);
    expect(await page.content()).not.toContain(PATIENT.familyName);
    await expectNoAccessibilityViolations(page);
    await page.locator('#accept').click();
    expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain('You accepted this referral');
    expect(await page.locator('#contact').textContent()).toContain('Phone call: 07700 900999');
    const html = await page.content();
    for (const hidden of ['943 476 5919', PATIENT.nhsNumber, 'Widowed', '1948', PATIENT.email]) expect(html).not.toContain(hidden);
    expect(await page.locator('#audit-notice').count()).toBe(1);
    await expectNoAccessibilityViolations(page);
    // The other organisation offered the same need was told, and its link says so.
    expect((await taskOf(event.referralId, ORG.dorman)).status).toBe('withdrawn');

    // Closing without a reason: the error summary names the field, nothing is stored or published.
    const outboxBefore = (await notifier.outbox()).length;
    await page.locator('#record-outcome').click();
    await expectNoAccessibilityViolations(page);
    await page.locator('#kind-closed').check();
    await page.locator('#occurred-day').fill('31');
    await page.locator('#occurred-month').fill('2');
    await page.locator('#occurred-year').fill('2026');
    const [refused] = await Promise.all([page.waitForResponse((response) => response.request().method() === 'POST'), page.locator('#save-outcome').click()]);
    expect(refused.status()).toBe(422);
    const summary = page.locator('.nhsuk-error-summary');
    expect(await summary.locator('a').evaluateAll((links) => links.map((link) => link.getAttribute('href')))).toEqual(['#occurred-day', '#reason']);
    expect(await summary.textContent()).toContain('Enter a real date');
    expect(await page.locator('#kind-closed').isChecked()).toBe(true);
    await expectNoAccessibilityViolations(page);
    expect(await count('recorded_outcome', event.referralId)).toBe(0);
    expect((await notifier.outbox()).length).toBe(outboxBefore);

    // A session before contact is refused by the lifecycle, with the reason.
    await page.goto(`/workspace/referrals/${event.referralId}/record`);
    await page.locator('#kind-session-attended').check();
    const [early] = await Promise.all([page.waitForResponse((response) => response.request().method() === 'POST'), page.locator('#save-outcome').click()]);
    expect(early.status()).toBe(409);
    expect(await page.locator('.nhsuk-error-summary').textContent()).toContain('cannot be recorded now');

    for (const [kind, banner] of [
      ['could-not-contact', 'could not contact'],
      ['contacted', 'contacted the person'],
      ['session-attended', 'session attended'],
    ]) {
      await page.goto(`/workspace/referrals/${event.referralId}/record`);
      await page.locator(kind === 'contacted' ? '#kind' : `#kind-${kind}`).check();
      if (kind === 'could-not-contact') await page.locator('#attempts').fill('2');
      await page.locator('#save-outcome').click();
      expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain(banner);
    }

    await page.goto(`/workspace/referrals/${event.referralId}/measures/SWEMWBS`);
    await expectNoAccessibilityViolations(page);
    await page.locator('#timepoint').check();
    for (const item of [1, 2, 4, 5, 6, 7]) await page.locator(`#item-${item}-3`).check();
    const [missing] = await Promise.all([page.waitForResponse((response) => response.request().method() === 'POST'), page.locator('#save-measure').click()]);
    expect(missing.status()).toBe(422);
    expect(await page.locator('.nhsuk-error-summary a').evaluateAll((links) => links.map((link) => link.getAttribute('href')))).toEqual(['#item-3']);
    expect(await page.locator('#item-1-3').isChecked()).toBe(true);
    await expectNoAccessibilityViolations(page);
    expect(await count('recorded_measure', event.referralId)).toBe(0);
    await page.locator('#item-3-4').check();
    await page.locator('#save-measure').click();
    expect(await page.locator('#score').textContent()).toContain('raw score 22 (7 to 35), metric score');
    await expectNoAccessibilityViolations(page);

    await page.goto(`/workspace/referrals/${event.referralId}/record`);
    await page.locator('#kind-completed').check();
    await page.locator('#save-outcome').click();
    expect(await page.locator('#history').textContent()).toContain('Support completed');
    expect(await page.locator('#history').textContent()).toContain('SWEMWBS');
    await expectNoAccessibilityViolations(page);
    const published = (await notifier.outbox()).filter((e) => e.referralId === event.referralId).map((e) => e.type);
    expect(published).toEqual(expect.arrayContaining([EventType.ReferralAccepted, EventType.ReferralContacted, EventType.SessionAttended, EventType.MeasureRecorded, EventType.ReferralCompleted]));
    expect((await store.findCase(event.referralId))?.status).toBe('completed');
  });

  it('an organisation cannot see another’s referral, and one whose offer was withdrawn cannot record or accept', async () => {
    const event = await routed(receivedPayload({ needs: ['loneliness'] }));
    const signer = new ActionLinkSigner(notifier.env.ACTION_LINK_SECRET, 60_000);
    const accepted = await fetch(`${notifier.url}/t/${signer.sign((await taskOf(event.referralId, ORG.befriending)).id).token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=accept' });
    // The one-click result leads into the workspace for the details.
    expect(await accepted.text()).toContain(`href="/workspace/referrals/${event.referralId}"`);

    const stranger = await signedIn(STAFF.debtAdvice);
    const seen = await stranger.goto(`/workspace/referrals/${event.referralId}`);
    expect(seen?.status()).toBe(403);
    await stranger.goto('/workspace');
    expect(await stranger.content()).not.toContain(event.referralId.slice(0, 8).toUpperCase());
    const recorded = await stranger.goto(`/workspace/referrals/${event.referralId}/record`);
    expect(recorded?.status()).toBe(403);
    await expectNoAccessibilityViolations(stranger);

    // The withdrawn organisation's one-click link says the referral is no longer needed.
    const withdrawnLink = await stranger.goto(`${notifier.url}/t/${signer.sign((await taskOf(event.referralId, ORG.dorman)).id).token}`);
    expect(withdrawnLink?.status()).toBe(410);
    expect(await stranger.locator('h1').textContent()).toBe('This referral is no longer needed');
    await expectNoAccessibilityViolations(stranger);
    expect(await count('details_view', event.referralId)).toBe(0);
  });
});
