import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventPublisher, EventType } from '@app/shared';
import { SmtpSink, eventually, startSmtpSink } from '@app/shared/testing';
import { NotifierHarness, addLoneLinkWorker, loneReferral, startNotifier } from '../testing/notifier-test-app';
import { NOTIFIER_SCHEMA } from '../environment';
import { NotificationStore } from './notification.store';

const execFileAsync = promisify(execFile);

/** Runs the operator's dead-letter command (scripts/dead-letters.ts) as a separate process against this notifier's stores. */
async function deadLettersCli(notifier: NotifierHarness, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [join(__dirname, '../testing/run-typescript.js'), join(__dirname, '../../../../scripts/dead-letters.ts'), ...args], {
    env: { ...process.env, DATABASE_URL: notifier.env.DATABASE_URL, REDIS_URL: notifier.env.REDIS_URL, REDIS_PREFIX: notifier.env.REDIS_PREFIX, DELIVERY_MAX_ATTEMPTS: '3' },
  });
  return stdout;
}

type Behaviour = { kind: 'accept' } | { kind: 'reject'; code: number; times: number };

/** A real SMTP server whose answer to RCPT TO is chosen per recipient address. */
async function programmableSink(behaviours: Map<string, Behaviour>): Promise<SmtpSink> {
  return startSmtpSink({
    onRcptTo(address, _session, callback) {
      const behaviour = behaviours.get(address.address);
      if (behaviour?.kind === 'reject' && behaviour.times > 0) {
        behaviour.times -= 1;
        const error = Object.assign(new Error(behaviour.code >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: behaviour.code });
        return callback(error);
      }
      callback();
    },
  });
}

async function notificationOf(notifier: NotifierHarness, referralId: string) {
  const [row] = await notifier.dataSource.query(`SELECT * FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1`, [referralId]);
  return row as { id: string; status: string; attempts: number; last_error: string | null };
}

async function attemptsOf(notifier: NotifierHarness, notificationId: string): Promise<string[]> {
  const rows = await notifier.dataSource.query(`SELECT "outcome" FROM "${NOTIFIER_SCHEMA}"."notification_attempt" WHERE "notification_id" = $1 ORDER BY "attempt_no"`, [notificationId]);
  return rows.map((row: { outcome: string }) => row.outcome);
}

describe('email delivery: retries, dead letters and replay (real SMTP)', () => {
  const behaviours = new Map<string, Behaviour>();
  let sink: SmtpSink;
  let notifier: NotifierHarness;

  beforeAll(async () => {
    sink = await programmableSink(behaviours);
    notifier = await startNotifier('delivery', { SMTP_URL: sink.url, DELIVERY_MAX_ATTEMPTS: '3', DELIVERY_BACKOFF_MS: '30' });
  });

  afterAll(async () => {
    await notifier?.close();
    await sink?.close();
  });

  const received = (address: string) => sink.messages.filter((mail) => JSON.stringify(mail.to).includes(address));

  it('retries a transient SMTP 4xx with backoff and sends once it is accepted', async () => {
    const email = 'busy@test.example.nhs.uk';
    behaviours.set(email, { kind: 'reject', code: 451, times: 2 });
    const { practiceOdsCode } = await addLoneLinkWorker(notifier, { email, channels: ['email'] });
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    await eventually(async () => (await notificationOf(notifier, event.referralId))?.status === 'sent');
    const notification = await notificationOf(notifier, event.referralId);
    expect(await attemptsOf(notifier, notification.id)).toEqual(['transient-failure', 'transient-failure', 'sent']);
    expect(received(email)).toHaveLength(1);
    const visible = await fetch(`${notifier.url}/v1/admin/referrals/${event.referralId}/notifications`, { headers: { 'x-api-key': notifier.env.NOTIFIER_ADMIN_API_KEY } });
    const [listed] = (await visible.json()) as Array<{ status: string; attemptsMade: Array<{ outcome: string; error: string | null; providerMessageId: string | null }> }>;
    expect(listed.status).toBe('sent');
    expect(listed.attemptsMade.map((attempt) => attempt.outcome)).toEqual(['transient-failure', 'transient-failure', 'sent']);
    expect(listed.attemptsMade[0].error).toContain('451');
    expect(listed.attemptsMade[2].providerMessageId).toContain(notification.id);
    const sent = (await notifier.outbox(EventType.NotificationSent)).filter((e) => e.referralId === event.referralId);
    expect(sent).toHaveLength(1);
    expect(sent[0].payload).toMatchObject({ notificationId: notification.id, channel: 'email', provider: 'smtp', attempts: 3 });
  });

  it('fails a permanent SMTP 5xx at once and publishes notification.failed', async () => {
    const email = 'gone@test.example.nhs.uk';
    behaviours.set(email, { kind: 'reject', code: 550, times: 100 });
    const { practiceOdsCode } = await addLoneLinkWorker(notifier, { email, channels: ['email'] });
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    await eventually(async () => (await notificationOf(notifier, event.referralId))?.status === 'failed');
    const notification = await notificationOf(notifier, event.referralId);
    expect(await attemptsOf(notifier, notification.id)).toEqual(['permanent-failure']);
    expect(notification.last_error).toContain('550');
    const [failed] = (await notifier.outbox(EventType.NotificationFailed)).filter((e) => e.referralId === event.referralId);
    expect(failed.payload).toMatchObject({ notificationId: notification.id, error: expect.stringContaining('550') });
  });

  it('dead-letters after the last transient failure, lists it, and delivers it once when replayed', async () => {
    const email = 'down@test.example.nhs.uk';
    behaviours.set(email, { kind: 'reject', code: 421, times: 3 });
    const { practiceOdsCode } = await addLoneLinkWorker(notifier, { email, channels: ['email'] });
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    await eventually(async () => (await notificationOf(notifier, event.referralId))?.status === 'failed');
    const notification = await notificationOf(notifier, event.referralId);
    expect(await attemptsOf(notifier, notification.id)).toEqual(['transient-failure', 'transient-failure', 'transient-failure']);
    expect((await notifier.outbox(EventType.NotificationFailed)).filter((e) => e.referralId === event.referralId)).toHaveLength(1);

    const headers = { 'x-api-key': notifier.env.NOTIFIER_ADMIN_API_KEY };
    expect((await fetch(`${notifier.url}/v1/admin/notifications/dead-letters`)).status).toBe(401);
    const listed = (await (await fetch(`${notifier.url}/v1/admin/notifications/dead-letters`, { headers })).json()) as Array<{ id: string; attempts: number }>;
    expect(listed.find((row) => row.id === notification.id)).toMatchObject({ attempts: 3 });

    const cliList = JSON.parse(await deadLettersCli(notifier, ['list', 'notifier', '--kind', 'deliveries', '--json'])) as Array<{ id: string }>;
    expect(cliList.map((row) => row.id)).toContain(notification.id);
    expect(await deadLettersCli(notifier, ['replay', notification.id])).toContain(`${notification.id}: queued again`);
    await eventually(async () => (await notificationOf(notifier, event.referralId))?.status === 'sent');
    expect(received(email)).toHaveLength(1);
    expect(await attemptsOf(notifier, notification.id)).toEqual(['transient-failure', 'transient-failure', 'transient-failure', 'sent']);
    const again = await fetch(`${notifier.url}/v1/admin/notifications/dead-letters/${notification.id}/replay`, { method: 'POST', headers });
    expect(again.status).toBe(404);
    expect(received(email)).toHaveLength(1);
  });

  it("records a superseded attempt's late acceptance on that attempt alone: the notification and its event stay with the attempt that took over", async () => {
    const email = 'superseded@test.example.nhs.uk';
    const { practiceOdsCode } = await addLoneLinkWorker(notifier, { email, channels: ['email'] });
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    const first = await eventually(async () => {
      const row = await notificationOf(notifier, event.referralId);
      return row?.status === 'sent' ? row : undefined;
    });
    // A second attempt has taken the notification over (the first's worker lost its lock) and is still sending.
    await notifier.dataSource.query(`UPDATE "${NOTIFIER_SCHEMA}"."notification" SET "status" = 'sending', "attempts" = 2 WHERE "id" = $1`, [first.id]);
    await notifier.dataSource.query(
      `UPDATE "${NOTIFIER_SCHEMA}"."notification_attempt" SET "outcome" = 'in-progress', "provider_message_id" = NULL, "finished_at" = NULL WHERE "notification_id" = $1`,
      [first.id],
    );
    await notifier.dataSource.query(
      `INSERT INTO "${NOTIFIER_SCHEMA}"."notification_attempt" ("notification_id", "attempt_no", "provider", "outcome", "started_at") VALUES ($1, 2, 'smtp', 'in-progress', now())`,
      [first.id],
    );
    const store = notifier.app.get(NotificationStore);
    const publisher = notifier.app.get(EventPublisher);
    const sentEvent = (providerMessageId: string) => (onlyIf: string) =>
      publisher.outboxRow(
        EventType.NotificationSent,
        { referralId: event.referralId, payload: { notificationId: first.id, recipientType: 'link-worker', recipientId: crypto.randomUUID(), channel: 'email', provider: 'smtp', providerMessageId } },
        onlyIf,
      ).insert;
    const outboxHolds = async (providerMessageId: string) =>
      (
        await notifier.dataSource.query(
          `SELECT 1 FROM "${NOTIFIER_SCHEMA}"."outbox" WHERE "type" = 'notification.sent' AND "envelope" -> 'payload' ->> 'providerMessageId' = $1`,
          [providerMessageId],
        )
      ).length === 1;

    expect(await store.recordSent(first.id, 1, 'late-message', 'sent', sentEvent('late-message'), publisher.channel)).toBe(false);
    expect(await outboxHolds('late-message')).toBe(false);
    expect(await notificationOf(notifier, event.referralId)).toMatchObject({ status: 'sending', attempts: 2 });
    expect(await attemptsOf(notifier, first.id)).toEqual(['sent', 'in-progress']);

    expect(await store.recordSent(first.id, 2, 'current-message', 'sent', sentEvent('current-message'), publisher.channel)).toBe(true);
    expect(await outboxHolds('current-message')).toBe(true);
    const [row] = await notifier.dataSource.query(`SELECT "status", "provider_message_id" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "id" = $1`, [first.id]);
    expect(row).toEqual({ status: 'sent', provider_message_id: 'current-message' });
    expect(await attemptsOf(notifier, first.id)).toEqual(['sent', 'sent']);
  });

  it('sends a pending notification whose job was never enqueued (crash or Redis outage after commit) via the sweeper', async () => {
    const email = 'swept@test.example.nhs.uk';
    const { practiceOdsCode } = await addLoneLinkWorker(notifier, { email, channels: ['email'] });
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    await eventually(async () => (await notificationOf(notifier, event.referralId))?.status === 'sent');
    const [orphan] = await notifier.dataSource.query(
      `INSERT INTO "${NOTIFIER_SCHEMA}"."notification" ("id", "referral_id", "task_id", "kind", "recipient_type", "recipient_id", "channel", "address", "status")
       SELECT gen_random_uuid(), "referral_id", "task_id", 'reminder', "recipient_type", "recipient_id", "channel", "address", 'pending'
       FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1 RETURNING "id"`,
      [event.referralId],
    );
    await eventually(async () => {
      const [row] = await notifier.dataSource.query(`SELECT "status" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "id" = $1`, [orphan.id]);
      return row.status === 'sent';
    });
    expect(received(email).map((mail) => mail.subject)).toEqual([
      `New social prescribing referral ${event.referralId}`,
      `Reminder: social prescribing referral ${event.referralId} is waiting for you`,
    ]);
  });

  it('fails an email address that cannot be valid without calling the server', async () => {
    const { practiceOdsCode, linkWorkerId } = await addLoneLinkWorker(notifier, { email: 'valid@test.example.nhs.uk', channels: ['email'] });
    await notifier.dataSource.query(`UPDATE "${NOTIFIER_SCHEMA}"."link_worker" SET "email" = 'not an address' WHERE "id" = $1`, [linkWorkerId]);
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    await eventually(async () => (await notificationOf(notifier, event.referralId))?.status === 'failed');
    expect(await attemptsOf(notifier, (await notificationOf(notifier, event.referralId)).id)).toEqual(['permanent-failure']);
  });
});

describe('email delivery: the provider rate limit (BullMQ limiter)', () => {
  let sink: SmtpSink;
  let notifier: NotifierHarness;

  beforeAll(async () => {
    sink = await startSmtpSink();
    notifier = await startNotifier('ratelimit', { SMTP_URL: sink.url, SMTP_RATE_LIMIT_PER_MINUTE: '2' });
  });

  afterAll(async () => {
    await notifier?.close();
    await sink?.close();
  });

  it('sends no more than the configured number per minute and keeps the rest pending', async () => {
    const { practiceOdsCode } = await addLoneLinkWorker(notifier, { email: 'limited@test.example.nhs.uk', channels: ['email'] });
    const events = [];
    for (let i = 0; i < 5; i += 1) events.push(await notifier.receive(loneReferral(practiceOdsCode)));
    for (const event of events) await notifier.handled(event.jobId);
    await eventually(() => sink.messages.length === 2);
    const counts = async () => {
      const rows: Array<{ status: string; count: number }> = await notifier.dataSource.query(
        `SELECT "status", count(*)::int AS "count" FROM "${NOTIFIER_SCHEMA}"."notification" GROUP BY "status"`,
      );
      return Object.fromEntries(rows.map((row) => [row.status, row.count]));
    };
    await eventually(async () => (await counts()).sent === 2);
    // Give the workers every chance to break the limit: several sweeps and polls.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sink.messages).toHaveLength(2);
    expect(await counts()).toEqual({ sent: 2, pending: 3 });
  });
});
