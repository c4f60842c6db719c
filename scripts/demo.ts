/*
 * `npm run demo`: with the system running (`npm start`), posts a handful of realistic referrals as a
 * registered GP system would, then follows each one to its link worker's mailbox and into a
 * commissioner's pseudonymised feed. This is a command-line program: it prints for a person.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '@app/shared';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { registerSender } from '../apps/referral-intake/src/senders/senders';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { registerCommissioner } from '../apps/outcomes/src/commissioners/commissioner';

const intakeEnv = loadEnvironment(IntakeEnvironment);
const notifierEnv = loadEnvironment(NotifierEnvironment);
const INTAKE = process.env.INTAKE_URL ?? 'http://localhost:3000';
const OUTCOMES = process.env.OUTCOMES_URL ?? 'http://localhost:3002';

const SAMPLES = [
  { practice: 'A81001', needs: ['loneliness', 'green-nature'], patient: ['9990000018', 'Margaret', 'Oyelaran', '1948-02-11', 'female', 'TS1 3QY'], notes: 'Widowed last year; loves gardening.' },
  { practice: 'A81002', needs: ['money-debt-benefits', 'housing'], patient: ['9990000026', 'Daniel', 'Price', '1979-07-30', 'male', 'TS3 6AL'], notes: 'Rent arrears after redundancy.' },
  { practice: 'A81004', needs: ['physical-activity', 'long-term-condition'], patient: ['9990000034', 'Priya', 'Shah', '1961-03-05', 'female', 'TS4 2EZ'], notes: 'COPD; wants to walk more.' },
  { practice: 'A81006', needs: ['arts-culture-heritage', 'loneliness'], patient: ['9990000042', 'Kwame', 'Mensah', '1952-12-19', 'male', 'TS18 1AT'], notes: 'Retired teacher, isolated since moving.' },
  { practice: 'A81007', needs: ['carers-support', 'mental-wellbeing'], patient: ['9990000050', 'Siobhan', 'Walsh', '1970-09-02', 'female', 'TS19 0QA'], notes: 'Full-time carer for her mother.' },
];

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
  const { sender, secret } = await registerSender(
    database,
    { name: 'Demo EMIS Web', practiceOdsCodes: [...new Set(SAMPLES.map((sample) => sample.practice))] },
    intakeEnv.SENDER_SECRET_KEY,
  );
  const { apiKey } = await registerCommissioner(database, { name: 'Demo Tees Valley commissioner', scope: { level: 'pcn', codes: ['U81001', 'U81002'] } });
  await database.destroy();
  say(`Registered GP system "${sender.id}" and a commissioner for PCNs U81001, U81002.`);
  say();

  const demoStarted = new Date(Date.now() - 1000).toISOString();
  const referralIds: string[] = [];
  for (const sample of SAMPLES) {
    const [nhsNumber, givenName, familyName, dateOfBirth, sex, postcode] = sample.patient;
    const body = JSON.stringify({
      senderReferralId: `DEMO-${randomUUID().slice(0, 8)}`,
      patient: { nhsNumber, givenName, familyName, dateOfBirth, sex, postcode },
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
}

main().catch((error: Error) => {
  process.stderr.write(`demo failed: ${error.message}\n`);
  process.exit(1);
});
