import { execFile } from 'node:child_process';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { EventPublisher, EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { JSON_REFERRAL_EXAMPLE } from '../apps/referral-intake/src/referrals/examples';
import { IntakeHarness, startIntake } from '../apps/referral-intake/src/testing/intake-harness';
import { INTAKE_SCHEMA } from '../apps/referral-intake/src/environment';

const execFileAsync = promisify(execFile);

/**
 * `npm run dead-letters` is the one command for whatever a service gave up on. Intake has two kinds: events
 * its consumer could not handle, and status callbacks the GP system never took. Both are listed and
 * replayed the same way, by a separate process, as an operator would.
 */
describe('npm run dead-letters, for events and status callbacks alike', () => {
  const answers: number[] = [];
  const received: string[] = [];
  let receiver: Server;
  let intake: IntakeHarness;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push(String(request.headers['webhook-id']));
        response.statusCode = answers.shift() ?? 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    intake = await startIntake('dead_letters_cli', { CALLBACK_MAX_ATTEMPTS: '2', CALLBACK_BACKOFF_MS: '20' });
  });

  afterAll(async () => {
    await intake?.close();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  async function cli(args: string[]): Promise<string> {
    const { stdout } = await execFileAsync(
      process.execPath,
      [join(__dirname, '../apps/notifier/src/testing/run-typescript.js'), join(__dirname, '../scripts/dead-letters.ts'), ...args],
      { env: { ...process.env, DATABASE_URL: intake.env.DATABASE_URL, REDIS_URL: intake.env.REDIS_URL, REDIS_PREFIX: intake.env.REDIS_PREFIX, CALLBACK_MAX_ATTEMPTS: '2' } },
    );
    return stdout;
  }

  const listed = async (args: string[]) => JSON.parse(await cli(['list', ...args, '--json'])) as Array<{ id: string; kind: string; name: string; attempts: number; subject: Record<string, unknown> }>;

  it('lists a failed callback and a dead event, and replays the callback with a fresh round of attempts', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const sender = await intake.addSender({ callbackUrl: `http://127.0.0.1:${port}/status` });
    const sent = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: { ...JSON_REFERRAL_EXAMPLE, senderReferralId: `REF-${randomUUID()}` } });
    const { referralId } = await sent.json();
    answers.push(500, 503);
    const publisher = intake.app.get(EventPublisher);
    await intake.dataSource.transaction((manager) =>
      publisher.publish(manager, EventType.ReferralRouted, { referralId, payload: { linkWorkerId: 'lw-leeds-1', tasks: [] } }),
    );
    const unknown = await intake.dataSource.transaction((manager) =>
      publisher.publish(manager, EventType.ReferralAccepted, { referralId: randomUUID(), payload: { recipientType: 'organisation', recipientId: randomUUID(), decidedAt: new Date().toISOString() } }),
    );
    const [callback] = await eventually(async () => {
      const rows: Array<{ id: string; state: string }> = await intake.dataSource.query(`SELECT "id", "state" FROM "${INTAKE_SCHEMA}"."status_callback" WHERE "referral_id" = $1`, [referralId]);
      return rows[0]?.state === 'failed' ? rows : undefined;
    });
    await eventually(async () => (await listed(['referral-intake'])).length === 2);

    const all = await listed(['referral-intake']);
    expect(all).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: callback.id, kind: 'callbacks', name: 'deliver-status-callback', attempts: 2 }),
        expect.objectContaining({ kind: 'events', name: EventType.ReferralAccepted }),
      ]),
    );
    expect(all.find((letter) => letter.kind === 'events')).toMatchObject({ attempts: 1, subject: { eventId: unknown.id } });
    expect((await listed(['referral-intake', '--kind', 'callbacks'])).map((letter) => letter.id)).toEqual([callback.id]);
    await expect(cli(['list', 'outcomes'])).rejects.toMatchObject({ stderr: expect.stringContaining('outcomes has no tables in this database') });

    expect(await cli(['replay', '--all', '--service', 'referral-intake', '--kind', 'callbacks'])).toContain(`${callback.id}: queued again (referral-intake callbacks, deliver-status-callback)`);
    await eventually(async () => {
      const [row] = await intake.dataSource.query(`SELECT "state", "attempts" FROM "${INTAKE_SCHEMA}"."status_callback" WHERE "id" = $1`, [callback.id]);
      return row.state === 'delivered' ? row : undefined;
    });
    expect(received.filter((id) => id === callback.id)).toHaveLength(3);
    const remaining = await listed(['referral-intake']);
    expect(remaining.map((letter) => letter.kind)).toEqual(['events']);
    expect(await cli(['replay', callback.id])).toContain(`${callback.id}: not dead-lettered (nothing to do)`);
    // Each command is a fresh process compiling the CLI, so this test is slower than most.
  }, 180_000);
});
