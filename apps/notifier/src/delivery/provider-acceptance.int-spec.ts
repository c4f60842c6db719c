import { Queue } from 'bullmq';
import { ParsedMail, simpleParser } from 'mailparser';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventType, QueueName } from '@app/shared';
import { SmtpSink, TcpProxy, TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually, startSmtpSink } from '@app/shared/testing';
import { NotifierHarness, addLoneLinkWorker, loneReferral, startNotifier } from '../testing/notifier-test-app';
import { NOTIFIER_SCHEMA } from '../environment';

/**
 * PostgreSQL stops just after the SMTP server accepted an email: recording "sent" fails. The retry must
 * record it without sending the email again, and the log must say it was accepted, not that it failed.
 */
describe('PostgreSQL lost right after SMTP accepted an email', () => {
  const address = 'accepted@test.example.nhs.uk';
  const received: ParsedMail[] = [];
  let cut = false;
  let proxy: TcpProxy;
  let sink: SmtpSink;
  let database: TestDatabase;
  let redis: TestRedis;
  let notifier: NotifierHarness;
  let logDir: string;

  beforeAll(async () => {
    proxy = new TcpProxy(5432);
    await proxy.start();
    sink = await startSmtpSink({
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push(mail);
            if (!cut && session.envelope.rcptTo.some((recipient) => recipient.address === address)) {
              // The message is in; PostgreSQL goes away before the notifier hears "250 OK", for two seconds.
              cut = true;
              proxy.cut();
              setTimeout(() => proxy.restore(), 2000);
            }
            callback();
          })
          .catch(callback);
      },
    });
    database = await createTestDatabase('accepted');
    redis = createTestRedisPrefix('accepted');
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    logDir = mkdtempSync(join(tmpdir(), 'notifier-log-'));
    notifier = await startNotifier(
      'accepted',
      { SMTP_URL: sink.url, DATABASE_URL: viaProxy.toString(), DELIVERY_MAX_ATTEMPTS: '30', DELIVERY_BACKOFF_MS: '100', LOG_LEVEL: 'info', LOG_FILE: join(logDir, 'notifier.log') },
      { database, redis },
    );
  });

  afterAll(async () => {
    proxy?.restore();
    await notifier?.close();
    await proxy?.stop();
    await sink?.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('records the email sent once PostgreSQL is back, sends it once, and logs that it was accepted', async () => {
    const { practiceOdsCode } = await addLoneLinkWorker(notifier, { email: address, channels: ['email'] });
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    const [notification] = await eventually(async () => {
      const rows = await database.query<{ id: string; status: string }>(`SELECT "id", "status" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1`, [event.referralId]);
      return rows[0]?.status === 'sent' ? rows : undefined;
    }, 30_000);

    const jobs = new Queue(QueueName.DeliverEmail, { connection: { url: redis.url }, prefix: redis.prefix });
    expect(await jobs.getJobState(notification.id)).toBe('completed');
    await jobs.close();
    expect(received.filter((mail) => JSON.stringify(mail.to).includes(address))).toHaveLength(1);
    const attempts = await database.query<{ outcome: string }>(`SELECT "outcome" FROM "${NOTIFIER_SCHEMA}"."notification_attempt" WHERE "notification_id" = $1 ORDER BY "attempt_no"`, [notification.id]);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['sent']);
    const events = await database.query<{ type: string }>(`SELECT "type" FROM "${NOTIFIER_SCHEMA}"."outbox" WHERE "envelope"->>'referralId' = $1 AND "type" LIKE 'notification.%'`, [event.referralId]);
    expect(events.map((row) => row.type)).toEqual([EventType.NotificationSent]);

    const lines = readFileSync(join(logDir, 'notifier.log'), 'utf8')
      .split('\n')
      .filter((line) => line.includes(notification.id))
      .map((line) => JSON.parse(line).msg as string);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/smtp accepted notification .* on attempt 1, but recording it sent failed .*; the next attempt records it without sending again/)]));
    expect(lines).toEqual(expect.arrayContaining([`Recorded notification ${notification.id} as sent: smtp accepted it on attempt 1, when recording failed; not sent again`]));
    expect(lines.filter((line) => /dead-lettered|giving up/.test(line))).toEqual([]);
  });
});
