import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '@app/shared/testing';
import { signRequest } from '../senders/signing';
import { IntakeHarness, startIntake } from '../testing/intake-harness';
import { JSON_REFERRAL_EXAMPLE } from './examples';
import { INTAKE_SCHEMA } from '../environment';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * An intake process is killed (SIGKILL) while a referral's transaction is under way. Nothing was stored, so
 * the GP system retrying with the same webhook-id must be served at once (202, stored once), not told for
 * minutes that its request is "still being processed".
 */
describe('intake killed with a request in flight', () => {
  let intake: IntakeHarness;
  let child: ChildProcess | undefined;
  let blocker: Client | undefined;

  beforeAll(async () => {
    intake = await startIntake('intake_crash');
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await blocker?.end().catch(() => undefined);
    await intake?.close();
  });

  it('frees the webhook-id of the dead request, so the retry is stored once', async () => {
    const sender = await intake.addSender({ practiceOdsCodes: ['B86016'] });
    const port = await freePort();
    child = spawn(
      process.execPath,
      [join(__dirname, '../../../notifier/src/testing/run-typescript.js'), join(__dirname, '../testing/intake-process.ts')],
      {
        env: { ...process.env, PORT: String(port), DATABASE_URL: intake.env.DATABASE_URL, REDIS_URL: intake.env.REDIS_URL, REDIS_PREFIX: intake.env.REDIS_PREFIX, LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child!.once('exit', (code) => reject(new Error(`intake process exited early (${code})`)));
    });

    // Hold the outbox so the child's referral transaction stops half-way, its claim on the key not yet committed.
    blocker = new Client({ connectionString: intake.env.DATABASE_URL });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE "intake"."outbox" IN EXCLUSIVE MODE');

    const webhookId = `msg_${randomUUID()}`;
    const body = { ...structuredClone(JSON_REFERRAL_EXAMPLE), senderReferralId: `REF-${randomUUID()}` };
    const signed = () => signRequest({ senderId: sender.id, secrets: [sender.secret], body, webhookId });
    const first = signed();
    const inFlight = fetch(`http://127.0.0.1:${port}/v1/referrals`, { method: 'POST', headers: first.headers, body: first.body }).catch((error: Error) => error);
    await eventually(async () => {
      // Not through the blocker: inside its transaction, pg_stat_activity would show one frozen snapshot.
      const rows = await intake.dataSource.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO "${INTAKE_SCHEMA}"."outbox"%'`,
      );
      return rows.length > 0;
    }, 30_000);

    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    // The client saw the connection drop: no answer, so it retries.
    expect(await inFlight).not.toHaveProperty('status');
    await blocker.query('ROLLBACK');

    const retry = signed();
    const response = await fetch(`${intake.baseUrl}/v1/referrals`, { method: 'POST', headers: retry.headers, body: retry.body });
    expect(response.status).toBe(202);
    const [{ count }] = await intake.dataSource.query(`SELECT count(*)::int AS "count" FROM "${INTAKE_SCHEMA}"."referral" WHERE "sender_referral_id" = $1`, [body.senderReferralId]);
    expect(count).toBe(1);
    const again = await fetch(`${intake.baseUrl}/v1/referrals`, { method: 'POST', headers: signed().headers, body: retry.body });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});
