/*
 * `npm run demo`: with the system running (`npm start`), posts a handful of realistic referrals as a
 * registered GP system would, then follows each one to its link worker's mailbox and into a
 * commissioner's pseudonymised feed, and ends with a sign-in link for the demo link worker.
 * `npm run demo -- follow` then shows the demo referral as the GP system and the commissioner see it.
 * This is a command-line program: it prints for a person.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '@app/shared';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { SenderStore } from '../apps/referral-intake/src/senders/sender.store';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { CommissionerStore } from '../apps/outcomes/src/commissioners/commissioner.store';

// The demo runs against `npm start` on a developer machine, whose development default secrets it shares.
process.env.NODE_ENV ??= 'development';
const intakeEnv = loadEnvironment(IntakeEnvironment);
const notifierEnv = loadEnvironment(NotifierEnvironment);
const INTAKE = process.env.INTAKE_URL ?? 'http://localhost:3000';
const NOTIFIER = process.env.NOTIFIER_URL ?? notifierEnv.PUBLIC_BASE_URL;
const OUTCOMES = process.env.OUTCOMES_URL ?? 'http://localhost:3002';
const STATE_FILE = resolve('var/demo-state.json');

/** Daniel Hughes covers Fairfield Surgery (A81009) and holds referrals until he hands them off (link-worker-first). */
const DEMO_LINK_WORKER = { name: 'Daniel Hughes', email: 'daniel.hughes@linkworkers.example.nhs.uk' };
const DEMO_ORGANISATION = { name: 'Stockton Library Reading Circles', staff: 'ruth.bell@stockton-reading.example.org.uk' };

const SAMPLES = [
  { practice: 'A81001', needs: ['loneliness', 'green-nature'], patient: ['9990000018', 'Margaret', 'Oyelaran', '1948-02-11', 'female', 'TS1 3QY'], notes: 'Widowed last year; loves gardening.' },
  { practice: 'A81002', needs: ['money-debt-benefits', 'housing'], patient: ['9990000026', 'Daniel', 'Price', '1979-07-30', 'male', 'TS3 6AL'], notes: 'Rent arrears after redundancy.' },
  { practice: 'A81004', needs: ['physical-activity', 'long-term-condition'], patient: ['9990000034', 'Priya', 'Shah', '1961-03-05', 'female', 'TS4 2EZ'], notes: 'COPD; wants to walk more.' },
  { practice: 'A81006', needs: ['arts-culture-heritage', 'loneliness'], patient: ['9990000042', 'Kwame', 'Mensah', '1952-12-19', 'male', 'TS18 1AT'], notes: 'Retired teacher, isolated since moving.' },
  { practice: 'A81007', needs: ['carers-support', 'mental-wellbeing'], patient: ['9990000050', 'Siobhan', 'Walsh', '1970-09-02', 'female', 'TS19 0QA'], notes: 'Full-time carer for her mother.' },
  { practice: 'A81009', needs: ['loneliness'], patient: ['9990000069', 'Margaret', 'Oyelaran', '1948-02-11', 'female', 'TS19 7AG'], notes: 'Widowed last year, keen on reading. Prefers morning calls.', phone: '07700 900123', preferredContactMethod: 'phone' },
];

interface DemoState {
  senderId: string;
  secret: string;
  apiKey: string;
  referralId: string;
}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. Is the system running (npm start)?`);
    await new Promise((done) => setTimeout(done, 300));
  }
}

function signedHeaders(senderId: string, secret: string, body: string): Record<string, string> {
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  return {
    'x-sender-id': senderId,
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

async function main(): Promise<void> {
  const ready = await fetch(`${INTAKE}/health/ready`).then((r) => r.ok).catch(() => false);
  if (!ready) throw new Error(`referral-intake does not answer at ${INTAKE}. Start the system first: npm start`);

  const database = new DataSource({ type: 'postgres', url: intakeEnv.DATABASE_URL });
  await database.initialize();
  const { sender, secret } = await new SenderStore(database).register({ name: 'Demo EMIS Web', practiceOdsCodes: [...new Set(SAMPLES.map((sample) => sample.practice))] },
    intakeEnv.SENDER_SECRET_KEY,
  );
  const { apiKey } = await new CommissionerStore(database).register({ name: 'Demo Tees Valley commissioner', scope: { level: 'pcn', codes: ['U81001', 'U81002'] } });
  await database.destroy();
  say(`Registered GP system "${sender.id}" and a commissioner for PCNs U81001, U81002.`);
  say();

  const demoStarted = new Date(Date.now() - 1000).toISOString();
  const referralIds: string[] = [];
  for (const sample of SAMPLES) {
    const [nhsNumber, givenName, familyName, dateOfBirth, sex, postcode] = sample.patient;
    const body = JSON.stringify({
      senderReferralId: `DEMO-${randomUUID().slice(0, 8)}`,
      patient: { nhsNumber, givenName, familyName, dateOfBirth, sex, postcode, ...('phone' in sample ? { phone: sample.phone, preferredContactMethod: sample.preferredContactMethod } : {}) },
      referrer: { name: 'Dr Sarah Lin', professionalRole: 'General practitioner' },
      practiceOdsCode: sample.practice,
      needs: sample.needs,
      urgency: 'routine',
      consentToShare: true,
      consentRecordedAt: new Date().toISOString(),
      notes: sample.notes,
    });
    const response = await fetch(`${INTAKE}/v1/referrals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(sender.id, secret, body) },
      body,
    });
    const answer = (await response.json()) as { referralId?: string; detail?: string };
    if (response.status !== 202 || !answer.referralId) throw new Error(`Referral refused (${response.status}): ${JSON.stringify(answer)}`);
    referralIds.push(answer.referralId);
    say(`POST /v1/referrals  ${sample.practice}  ${sample.needs.join(', ').padEnd(40)} → 202 ${answer.referralId}`);
  }
  say();

  const mailDir = resolve(notifierEnv.MAIL_DIR);
  for (const referralId of referralIds) {
    const status = await waitFor(`referral ${referralId} to be routed`, async () => {
      const response = await fetch(`${INTAKE}/v1/referrals/${referralId}`, { headers: signedHeaders(sender.id, secret, '') });
      const view = (await response.json()) as { status: string };
      return view.status !== 'received' ? view.status : undefined;
    });
    if (notifierEnv.SMTP_URL) {
      say(`${referralId}  ${status.padEnd(9)} mail sent through SMTP`);
    } else {
      const files = await waitFor(`mail for ${referralId}`, async () => {
        const found = existsSync(mailDir) ? readdirSync(mailDir).filter((file) => file.startsWith(referralId)) : [];
        return found.length > 0 ? found : undefined;
      });
      say(`${referralId}  ${status.padEnd(9)} ${files.length} message(s): ${files.map((file) => resolve(mailDir, file)).join(', ')}`);
    }
  }
  say();

  const rows = await waitFor('the feed to show the referrals', async () => {
    const response = await fetch(`${OUTCOMES}/v1/feeds/outcomes?limit=1000&since=${encodeURIComponent(demoStarted)}`, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/x-ndjson' } });
    if (!response.ok) return undefined;
    const lines = (await response.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, string>);
    const received = lines.filter((row) => (row.eventType ?? row.type) === 'referral.received');
    return received.length >= referralIds.length ? lines : undefined;
  });
  say(`The commissioner's feed (${OUTCOMES}/v1/feeds/outcomes, pseudonymised) has ${rows.length} events for these referrals, e.g.:`);
  for (const row of rows.slice(0, 6)) say(`  ${JSON.stringify(row)}`);
  say();
  say(`Commissioner API key for trying the feed yourself (shown once): ${apiKey}`);
  say(`  curl -H "Authorization: Bearer ${apiKey}" -H "Accept: text/csv" "${OUTCOMES}/v1/feeds/outcomes"`);
  say();

  const demoReferral = referralIds[SAMPLES.findIndex((sample) => sample.practice === 'A81009')];
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify({ senderId: sender.id, secret, apiKey, referralId: demoReferral } satisfies DemoState), { mode: 0o600 });
  const link = await signInLink(DEMO_LINK_WORKER.email);
  say('Now try the workspace, as the people in it do (see the README for each step):');
  say(`  1. As ${DEMO_LINK_WORKER.name}, link worker: open your caseload, open referral ${demoReferral.slice(0, 8).toUpperCase()} (Margaret Oyelaran) to see who to call,`);
  say(`     and hand it off to ${DEMO_ORGANISATION.name}.`);
  say(`  2. Sign out, then sign in at ${NOTIFIER}/sign-in as ${DEMO_ORGANISATION.staff}; accept the referral, record a contact,`);
  say('     a session, SWEMWBS at the start and the end, and the completion.');
  say('  3. Run `npm run demo -- follow` to see the completion in the commissioner\'s feed and the status the GP system is told.');
  say();
  say(link ? `Sign in as ${DEMO_LINK_WORKER.name} (works once, for 15 minutes):` : `A sign-in link was emailed to ${DEMO_LINK_WORKER.email} through ${notifierEnv.SMTP_URL}.`);
  if (link) say(`  ${link}`);
}

/**
 * Asks for a sign-in link as a person would (the sign-in form, with its CSRF token and session cookie), then
 * reads it from the mail directory. With SMTP_URL set the link is in that mailbox instead: undefined.
 */
async function signInLink(email: string): Promise<string | undefined> {
  const form = await fetch(`${NOTIFIER}/sign-in`);
  if (!form.ok) throw new Error(`The notifier's sign-in page does not answer at ${NOTIFIER}/sign-in (${form.status})`);
  const cookie = (form.headers.getSetCookie?.() ?? []).map((value) => value.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error('The sign-in page has no form token');
  const askedAt = Date.now() - 1000;
  const asked = await fetch(`${NOTIFIER}/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: token, email }).toString(),
  });
  if (asked.status !== 200) throw new Error(`Asking for a sign-in link answered ${asked.status}`);
  if (notifierEnv.SMTP_URL) return undefined;
  const mailDir = resolve(notifierEnv.MAIL_DIR);
  return waitFor(`the sign-in email to ${email}`, async () => {
    for (const file of readdirSync(mailDir).filter((name) => name.startsWith('sign-in-'))) {
      const path = resolve(mailDir, file);
      if (statSync(path).mtimeMs < askedAt) continue;
      // Quoted-printable bodies wrap long lines with "=" soft breaks; the token has no "=" of its own.
      const text = readFileSync(path, 'utf8').replace(/=\r?\n/g, '');
      if (!text.toLowerCase().includes(email)) continue;
      const found = /(https?:\/\/[^\s"<>]+\/sign-in\/[A-Za-z0-9_-]{43})/.exec(text)?.[1];
      if (found) return found;
    }
    return undefined;
  });
}

/** `npm run demo -- follow`: the demo referral as the GP system (its status) and the commissioner (the feed) see it. */
async function follow(): Promise<void> {
  if (!existsSync(STATE_FILE)) throw new Error('Run `npm run demo` first.');
  const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as DemoState;
  const response = await fetch(`${INTAKE}/v1/referrals/${state.referralId}`, { headers: signedHeaders(state.senderId, state.secret, '') });
  const view = (await response.json()) as { status?: string };
  say(`The GP system's view (GET /v1/referrals/${state.referralId}, what its status callbacks carry): ${view.status}`);
  say(`  ${JSON.stringify(view)}`);
  const feed = await fetch(`${OUTCOMES}/v1/feeds/outcomes?limit=1000`, { headers: { authorization: `Bearer ${state.apiKey}`, accept: 'application/x-ndjson' } });
  const rows = (await feed.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  // The feed is pseudonymised (no referral id): the demo referral is the newest from Fairfield Surgery.
  const fromPractice = rows.filter((row) => row.practice === 'A81009');
  const ref = fromPractice.filter((row) => row.eventType === 'referral.received').at(-1)?.referralRef;
  const mine = fromPractice.filter((row) => row.referralRef === ref);
  say();
  say(`The commissioner's feed for it (pseudonymised as ${ref ?? 'nothing yet'}, ${mine.length} events):`);
  for (const row of mine) say(`  ${row.occurredOn}  ${String(row.eventType).padEnd(28)} ${row.measure ? `${row.measure} ${row.timepoint} ${JSON.stringify(row.score)}` : (row.reason ?? '')}`);
}

(process.argv[2] === 'follow' ? follow() : main()).catch((error: Error) => {
  process.stderr.write(`demo failed: ${error.message}\n`);
  process.exit(1);
});
