import { EventType, lockReferral } from '@app/shared';
import { SmtpSink, advisoryLockWaiters, eventually, startSmtpSink } from '@app/shared/testing';
import { NotifierHarness, PATIENT, SAMPLE, receivedPayload, startNotifier } from '../testing/notifier-test-app';
import { NOTIFIER_SCHEMA } from '../environment';
import { NOTIFIER_REFERRAL_LOCK_SPACE } from '../tasks/tasks.store';

describe('notifier: referral.received to an email task (real Postgres, Redis, SMTP)', () => {
  let sink: SmtpSink;
  let notifier: NotifierHarness;

  beforeAll(async () => {
    sink = await startSmtpSink();
    notifier = await startNotifier('routing', { SMTP_URL: sink.url });
  });

  afterAll(async () => {
    await notifier?.close();
    await sink?.close();
  });

  const mailsFor = (referralId: string) => sink.messages.filter((mail) => mail.subject?.includes(referralId));

  it('emails the link worker covering A81001 with the referral id and nothing identifying', async () => {
    const event = await notifier.receive();
    const [mail] = await eventually(() => {
      const found = mailsFor(event.referralId).filter((m) => m.to && JSON.stringify(m.to).includes(SAMPLE.amiraEmail));
      return found.length ? found : undefined;
    });
    expect(mail.subject).toBe(`New social prescribing referral ${event.referralId}`);
    expect(mail.text).toContain(event.referralId);
    expect(mail.text).toContain('Loneliness and social isolation');
    expect(mail.html).toContain('lang="en"');
    expect(mail.text).toContain(`${notifier.env.PUBLIC_BASE_URL}/t/`);
    const whole = `${mail.subject}\n${mail.text}\n${mail.html}`;
    for (const value of Object.values(PATIENT)) expect(whole).not.toContain(value);
    expect(whole).not.toContain('943 476 5919');
  });

  it('stores the decision, publishes referral.routed and notification.sent through the outbox', async () => {
    const event = await notifier.receive(receivedPayload({ needs: ['loneliness', 'arts-culture-heritage'] }));
    const sent = await eventually(async () => {
      const events = (await notifier.outbox(EventType.NotificationSent)).filter((e) => e.referralId === event.referralId);
      return events.length === 3 ? events : undefined;
    });
    const [routed] = (await notifier.outbox(EventType.ReferralRouted)).filter((e) => e.referralId === event.referralId);
    expect(routed.payload).toMatchObject({ linkWorkerId: SAMPLE.amira, pcnOdsCode: 'U81001' });
    const tasks = (routed.payload as { tasks: Array<{ recipientType: string }> }).tasks;
    expect(tasks.map((task) => task.recipientType)).toEqual(['link-worker', 'organisation', 'organisation']);
    expect(sent.map((e) => (e.payload as { channel: string }).channel)).toEqual(['email', 'email', 'email']);
    expect(new Set([routed, ...sent].map((e) => e.correlationId))).toEqual(new Set([event.correlationId]));
    const [decision] = await notifier.dataSource.query(`SELECT "outcome", "area" FROM "${NOTIFIER_SCHEMA}"."routing_decision" WHERE "referral_id" = $1`, [event.referralId]);
    expect(decision).toEqual({ outcome: 'routed', area: 'TS1' });
    const attempts = await notifier.dataSource.query(
      `SELECT a."outcome", a."provider", a."provider_message_id" FROM "${NOTIFIER_SCHEMA}"."notification_attempt" a JOIN "${NOTIFIER_SCHEMA}"."notification" n ON n."id" = a."notification_id" WHERE n."referral_id" = $1`,
      [event.referralId],
    );
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) expect(attempt).toMatchObject({ outcome: 'sent', provider: 'smtp', provider_message_id: expect.stringContaining('@') });
  });

  it('publishes referral.unrouted and tasks the PCN lead when no organisation matches', async () => {
    const event = await notifier.receive(receivedPayload({ practiceOdsCode: 'A81004', needs: ['bereavement'], patient: { ...PATIENT, postcode: 'TS5 6AB' } }));
    const [unrouted] = await eventually(async () => {
      const events = (await notifier.outbox(EventType.ReferralUnrouted)).filter((e) => e.referralId === event.referralId);
      return events.length ? events : undefined;
    });
    expect(unrouted.payload).toEqual({ reason: 'no-matching-organisation', pcnOdsCode: 'U81001', fallbackLinkWorkerId: SAMPLE.amira });
    await eventually(() => mailsFor(event.referralId).length === 2);
    const recipients = mailsFor(event.referralId).map((mail) => JSON.stringify(mail.to));
    expect(recipients.some((to) => to.includes('tom.reilly@'))).toBe(true);
    expect(recipients.some((to) => to.includes(SAMPLE.amiraEmail))).toBe(true);
  });

  it('offers a referral received twice at once (two events, handled concurrently) once: one task per recipient, one notification each, one referral.routed', async () => {
    const payload = receivedPayload({ needs: ['loneliness', 'arts-culture-heritage'] });
    const first = await notifier.receive(payload);
    const second = await notifier.receive(payload, first.referralId);
    await notifier.handled(first.jobId);
    await notifier.handled(second.jobId);
    const tasks = await notifier.dataSource.query(
      `SELECT "recipient_type", "recipient_id" FROM "${NOTIFIER_SCHEMA}"."task" WHERE "referral_id" = $1 ORDER BY "recipient_type", "recipient_id"`,
      [first.referralId],
    );
    expect(tasks.map((task: { recipient_type: string }) => task.recipient_type)).toEqual(['link-worker', 'organisation', 'organisation']);
    const notifications = await notifier.dataSource.query(
      `SELECT "task_id", "kind", "channel" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1`,
      [first.referralId],
    );
    expect(notifications).toHaveLength(3);
    expect(new Set(notifications.map((row: { task_id: string }) => row.task_id)).size).toBe(3);
    expect((await notifier.outbox(EventType.ReferralRouted)).filter((e) => e.referralId === first.referralId)).toHaveLength(1);
  });

  it('routes a referral only once it is free: the consumer takes the referral lock (NOTIFIER_REFERRAL_LOCK_SPACE) with the claim', async () => {
    const referralId = crypto.randomUUID();
    const decided = async () =>
      (await notifier.dataSource.query(`SELECT count(*)::int AS "n" FROM "${NOTIFIER_SCHEMA}"."routing_decision" WHERE "referral_id" = $1`, [referralId]))[0].n;
    const runner = notifier.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await lockReferral(runner.manager, NOTIFIER_REFERRAL_LOCK_SPACE, referralId);
      const event = await notifier.receive(receivedPayload(), referralId);
      // The consumer has claimed the event and waits for the referral: nothing of it is routed yet.
      await eventually(async () => (await advisoryLockWaiters(notifier.dataSource)) === 1);
      expect(await decided()).toBe(0);
      await runner.commitTransaction();
      await notifier.handled(event.jobId);
    } finally {
      await runner.release();
    }
    expect(await decided()).toBe(1);
  });

  it('never sends twice when the same event is redelivered or the referral arrives again', async () => {
    const plain = receivedPayload({ needs: ['bereavement'] });
    const event = await notifier.receive(plain);
    await eventually(() => mailsFor(event.referralId).length === 2);
    const { jobId, ...envelope } = event;
    await notifier.handled(jobId);
    const redelivered = await notifier.deliverEvent(envelope);
    const again = await notifier.receive(plain, event.referralId);
    await notifier.handled(redelivered);
    await notifier.handled(again.jobId);
    await eventually(async () => {
      const [row] = await notifier.dataSource.query(`SELECT count(*)::int AS "count" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1 AND "status" <> 'sent'`, [event.referralId]);
      return row.count === 0;
    });
    expect(mailsFor(event.referralId)).toHaveLength(2);
    const [rows] = await notifier.dataSource.query(`SELECT count(*)::int AS "count" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1`, [event.referralId]);
    expect(rows.count).toBe(2);
  });
});
