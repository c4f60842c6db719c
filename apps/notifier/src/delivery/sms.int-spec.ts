import { EventType, JobName, JobQueues, QueueName, planJob } from '@app/shared';
import { SmtpSink, eventually, startSmtpSink } from '@app/shared/testing';
import { NotifierHarness, PATIENT, SAMPLE, addLoneLinkWorker, loneReferral, receivedPayload, startNotifier } from '../testing/notifier-test-app';
import { NotifyStandIn, startNotifyStandIn } from '../testing/notify-stand-in';
import { NOTIFIER_SCHEMA } from '../environment';

describe('SMS through GOV.UK Notify (local stand-in for the Notify API)', () => {
  let notify: NotifyStandIn;
  let sink: SmtpSink;
  let notifier: NotifierHarness;
  let mobileCounter = 300;

  beforeAll(async () => {
    notify = await startNotifyStandIn();
    sink = await startSmtpSink();
    notifier = await startNotifier('sms', {
      SMTP_URL: sink.url,
      NOTIFY_API_KEY: notify.apiKey,
      NOTIFY_BASE_URL: notify.url,
      NOTIFY_SMS_TEMPLATE_ID: 'f33517ff-2a88-4f6e-b855-c550268ce08a',
      DELIVERY_MAX_ATTEMPTS: '4',
      DELIVERY_BACKOFF_MS: '30',
    });
  });

  afterAll(async () => {
    await notifier?.close();
    await sink?.close();
    await notify?.close();
  });

  async function smsRecipient(): Promise<{ practiceOdsCode: string; mobile: string }> {
    mobileCounter += 1;
    const mobile = `07700 900${mobileCounter}`;
    const { practiceOdsCode } = await addLoneLinkWorker(notifier, { mobile, channels: ['sms'] });
    return { practiceOdsCode, mobile };
  }

  async function smsNotification(referralId: string) {
    const [row] = await notifier.dataSource.query(`SELECT * FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1 AND "channel" = 'sms'`, [referralId]);
    return row as { id: string; status: string; provider_message_id: string | null } | undefined;
  }

  async function attempts(notificationId: string): Promise<string[]> {
    const rows = await notifier.dataSource.query(`SELECT "outcome" FROM "${NOTIFIER_SCHEMA}"."notification_attempt" WHERE "notification_id" = $1 ORDER BY "attempt_no"`, [notificationId]);
    return rows.map((row: { outcome: string }) => row.outcome);
  }

  it('sends each recipient their preferred channels: Tom Reilly gets an email and an SMS', async () => {
    const event = await notifier.receive(receivedPayload({ practiceOdsCode: 'A81004', needs: ['money-debt-benefits'], patient: { ...PATIENT, postcode: 'TS5 6XY' } }));
    await eventually(async () => (await smsNotification(event.referralId))?.status === 'sent');
    const channels = await notifier.dataSource.query(
      `SELECT "recipient_id", "channel" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1 ORDER BY "recipient_type", "channel"`,
      [event.referralId],
    );
    expect(channels).toEqual([
      { recipient_id: SAMPLE.tom, channel: 'email' },
      { recipient_id: SAMPLE.tom, channel: 'sms' },
      { recipient_id: expect.any(String), channel: 'email' },
    ]);
    const sms = notify.accepted.find((message) => message.phone_number === '07700 900102');
    expect(sms?.template_id).toBe('f33517ff-2a88-4f6e-b855-c550268ce08a');
  });

  it('never puts the NHS number, a name or clinical detail in an SMS: only a short link and a neutral reference', async () => {
    const { practiceOdsCode, mobile } = await smsRecipient();
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    await eventually(async () => (await smsNotification(event.referralId))?.status === 'sent');
    const sms = notify.accepted.find((message) => message.phone_number === mobile);
    const notification = await smsNotification(event.referralId);
    expect(sms?.reference).toBe(notification?.id);
    expect(Object.keys(sms?.personalisation ?? {})).toEqual(['link']);
    expect(sms?.personalisation.link).toMatch(new RegExp(`^${notifier.env.PUBLIC_BASE_URL}/t/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    expect(sms?.personalisation.link.length).toBeLessThan(90);
    const raw = sms?.raw ?? '';
    for (const value of [...Object.values(PATIENT), '943 476 5919', 'bereavement', 'Bereavement', event.referralId, 'Z9']) expect(raw).not.toContain(value);
    expect(notification?.provider_message_id).toBe(sms?.id);
  });

  it('retries Notify 429 and 500 and sends once', async () => {
    const { practiceOdsCode, mobile } = await smsRecipient();
    notify.script(mobile, ['rate-limit', 'server-error']);
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    await eventually(async () => (await smsNotification(event.referralId))?.status === 'sent');
    const notification = await smsNotification(event.referralId);
    expect(await attempts(notification!.id)).toEqual(['transient-failure', 'transient-failure', 'sent']);
    expect(notify.accepted.filter((message) => message.phone_number === mobile)).toHaveLength(1);
    expect(notify.requests.filter((raw) => raw.includes(mobile))).toHaveLength(3);
  });

  it.each([
    ['400 validation error', 'validation' as const, '400'],
    ['403 auth error', 'auth' as const, '403'],
  ])('fails at once on a Notify %s and publishes notification.failed', async (_label, answer, status) => {
    const { practiceOdsCode, mobile } = await smsRecipient();
    notify.script(mobile, [answer, answer, answer, answer]);
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    await eventually(async () => (await smsNotification(event.referralId))?.status === 'failed');
    const notification = await smsNotification(event.referralId);
    expect(await attempts(notification!.id)).toEqual(['permanent-failure']);
    const [failed] = (await notifier.outbox(EventType.NotificationFailed)).filter((e) => e.referralId === event.referralId);
    expect(failed.payload).toMatchObject({ channel: 'sms', provider: 'govuk-notify', error: expect.stringContaining(status) });
  });

  it('does not resend an SMS that Notify already has when an interrupted attempt is retried', async () => {
    const { practiceOdsCode, mobile } = await smsRecipient();
    const event = await notifier.receive(loneReferral(practiceOdsCode));
    await eventually(async () => (await smsNotification(event.referralId))?.status === 'sent');
    const notification = (await smsNotification(event.referralId))!;
    // As if the worker died after Notify accepted the message but before "sent" was committed.
    await notifier.dataSource.query(`UPDATE "${NOTIFIER_SCHEMA}"."notification" SET "status" = 'sending' WHERE "id" = $1`, [notification.id]);
    await notifier.dataSource.query(`UPDATE "${NOTIFIER_SCHEMA}"."notification_attempt" SET "outcome" = 'in-progress', "finished_at" = NULL WHERE "notification_id" = $1`, [notification.id]);
    const jobs = notifier.app.get(JobQueues);
    await (await jobs.queue(QueueName.DeliverSms).getJob(notification.id))?.remove();
    await jobs.enqueue([planJob(JobName.DeliverSms, { notificationId: notification.id })]);
    await eventually(async () => (await attempts(notification.id)).length === 2);
    await eventually(async () => (await smsNotification(event.referralId))?.status === 'sent');
    expect(await attempts(notification.id)).toEqual(['interrupted', 'found-at-provider']);
    expect(notify.accepted.filter((message) => message.phone_number === mobile)).toHaveLength(1);
  });

  describe('delivery receipts', () => {
    const callback = (body: unknown, token = notifier.env.NOTIFY_CALLBACK_TOKEN) =>
      fetch(`${notifier.url}/v1/notify/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });

    async function sentSms() {
      const { practiceOdsCode } = await smsRecipient();
      const event = await notifier.receive(loneReferral(practiceOdsCode));
      await eventually(async () => (await smsNotification(event.referralId))?.status === 'sent');
      return { event, notification: (await smsNotification(event.referralId))! };
    }

    it('refuses a callback without the bearer token', async () => {
      const { event, notification } = await sentSms();
      const response = await callback({ id: notification.provider_message_id, reference: notification.id, status: 'delivered' }, 'wrong-token');
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect((await smsNotification(event.referralId))?.status).toBe('sent');
    });

    it('marks a notification delivered once and publishes notification.delivered', async () => {
      const { event, notification } = await sentSms();
      const body = {
        id: notification.provider_message_id,
        reference: notification.id,
        to: '07700900999',
        status: 'delivered',
        created_at: new Date().toISOString(),
        completed_at: new Date().toISOString(),
        sent_at: new Date().toISOString(),
        notification_type: 'sms',
        template_id: 'f33517ff-2a88-4f6e-b855-c550268ce08a',
      };
      expect((await callback(body)).status).toBe(204);
      expect((await callback(body)).status).toBe(204);
      expect((await smsNotification(event.referralId))?.status).toBe('delivered');
      const delivered = (await notifier.outbox(EventType.NotificationDelivered)).filter((e) => e.referralId === event.referralId);
      expect(delivered).toHaveLength(1);
      expect(delivered[0].payload).toMatchObject({ notificationId: notification.id, providerMessageId: notification.provider_message_id, channel: 'sms' });
    });

    it('marks a permanent failure failed and publishes notification.failed', async () => {
      const { event, notification } = await sentSms();
      expect((await callback({ id: notification.provider_message_id, reference: notification.id, status: 'permanent-failure', notification_type: 'sms' })).status).toBe(204);
      expect((await smsNotification(event.referralId))?.status).toBe('failed');
      const [failed] = (await notifier.outbox(EventType.NotificationFailed)).filter((e) => e.referralId === event.referralId);
      expect(failed.payload).toMatchObject({ notificationId: notification.id, error: 'Notify permanent-failure' });
    });

    it('answers 400 naming the missing fields of something that is not a receipt', async () => {
      const response = await callback({ hello: 'world' });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: Array<{ pointer: string }> };
      expect(problem.errors.map((error) => error.pointer)).toEqual(['/id', '/status']);
    });
  });
});

describe('per-provider rate limits', () => {
  let notify: NotifyStandIn;
  let sink: SmtpSink;
  let notifier: NotifierHarness;

  beforeAll(async () => {
    notify = await startNotifyStandIn();
    sink = await startSmtpSink();
    notifier = await startNotifier('smslimit', { SMTP_URL: sink.url, NOTIFY_API_KEY: notify.apiKey, NOTIFY_BASE_URL: notify.url, NOTIFY_RATE_LIMIT_PER_MINUTE: '1' });
  });

  afterAll(async () => {
    await notifier?.close();
    await sink?.close();
    await notify?.close();
  });

  it('holds SMS to the Notify limit while email to the same recipients flows', async () => {
    const { practiceOdsCode } = await addLoneLinkWorker(notifier, { email: 'both@test.example.nhs.uk', mobile: '07700 900999', channels: ['email', 'sms'] });
    const events = [];
    for (let i = 0; i < 3; i += 1) events.push(await notifier.receive(loneReferral(practiceOdsCode)));
    await eventually(() => sink.messages.length === 3);
    await eventually(() => notify.accepted.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(notify.accepted).toHaveLength(1);
    const counts = await notifier.dataSource.query(`SELECT "channel", "status", count(*)::int AS "count" FROM "${NOTIFIER_SCHEMA}"."notification" GROUP BY 1, 2 ORDER BY 1, 2`);
    expect(counts).toEqual([
      { channel: 'email', status: 'sent', count: 3 },
      { channel: 'sms', status: 'pending', count: 2 },
      { channel: 'sms', status: 'sent', count: 1 },
    ]);
  });
});
