import { Queue } from 'bullmq';
import { QueueName } from '@app/shared';
import { SmtpSink, eventually, startSmtpSink } from '@app/shared/testing';
import { ActionLinkSigner } from '../actions/action-link';
import { NotifierHarness, SAMPLE, receivedPayload, startNotifier } from '../testing/notifier-test-app';
import { RemindersService } from './reminders.service';
import { NOTIFIER_SCHEMA } from '../environment';

describe('reminders and escalation (delayed BullMQ jobs)', () => {
  let sink: SmtpSink;
  let notifier: NotifierHarness;

  beforeAll(async () => {
    sink = await startSmtpSink();
    // No timed sweeps: one that read a task as open just before it was decided re-adds its reminder job (harmless,
    // the job finds the task decided), which made "the jobs are gone at once" below fail now and then.
    notifier = await startNotifier('reminders', { SMTP_URL: sink.url, REMINDER_DELAY_MS: '4000', ESCALATION_DELAY_MS: '500', DELIVERY_SWEEP_MS: '3600000' });
  });

  afterAll(async () => {
    await notifier?.close();
    await sink?.close();
  });

  const mails = (referralId: string, subjectStart: string) => sink.messages.filter((mail) => mail.subject?.startsWith(subjectStart) && mail.subject.includes(referralId));

  async function organisationTasks(referralId: string): Promise<Array<{ id: string; recipient_id: string; reminded_at: Date | null; escalated_at: Date | null }>> {
    return notifier.dataSource.query(
      `SELECT "id", "recipient_id", "reminded_at", "escalated_at" FROM "${NOTIFIER_SCHEMA}"."task" WHERE "referral_id" = $1 AND "recipient_type" = 'organisation' ORDER BY "recipient_id"`,
      [referralId],
    );
  }

  it('reminds each organisation that has not answered, then escalates to the link worker', async () => {
    const event = await notifier.receive(receivedPayload({ needs: ['loneliness'] }));
    const reminders = await eventually(() => {
      const found = mails(event.referralId, 'Reminder:');
      return found.length === 2 ? found : undefined;
    }, 20000);
    for (const reminder of reminders) expect(JSON.stringify(reminder.to)).toContain('example.org.uk');
    const escalations = await eventually(() => {
      const found = mails(event.referralId, 'Not yet accepted:');
      return found.length === 2 ? found : undefined;
    }, 20000);
    for (const escalation of escalations) expect(JSON.stringify(escalation.to)).toContain(SAMPLE.amiraEmail);
    expect(escalations.map((mail) => mail.text).join(' ')).toContain('has not yet accepted or declined');
    for (const task of await organisationTasks(event.referralId)) {
      expect(task.reminded_at).not.toBeNull();
      expect(task.escalated_at).not.toBeNull();
      expect(task.escalated_at!.getTime()).toBeGreaterThan(task.reminded_at!.getTime());
    }
    const kinds = await notifier.dataSource.query(
      `SELECT "kind", count(*)::int AS "count" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1 GROUP BY "kind" ORDER BY "kind"`,
      [event.referralId],
    );
    expect(kinds).toEqual([
      { kind: 'escalation', count: 2 },
      { kind: 'reminder', count: 2 },
      { kind: 'task', count: 3 },
    ]);
  });

  it('on one organisation accepting, takes the other offer for the same need back: told, link dead, reminders gone', async () => {
    const event = await notifier.receive(receivedPayload({ needs: ['loneliness'] }));
    await notifier.handled(event.jobId);
    const [first, second] = await organisationTasks(event.referralId);
    const reminders = notifier.app.get(RemindersService);
    const queue = new Queue(QueueName.Reminders, { connection: { url: notifier.redis.url }, prefix: notifier.redis.prefix });
    await eventually(async () => (await queue.getJob(`reminder.${first.id}`)) && (await queue.getJob(`reminder.${second.id}`)));

    const signer = new ActionLinkSigner(notifier.env.ACTION_LINK_SECRET, 60_000);
    const post = (taskId: string, body: string) =>
      fetch(`${notifier.url}/t/${signer.sign(taskId).token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect((await post(first.id, 'decision=accept')).status).toBe(200);

    const statuses = await notifier.dataSource.query(`SELECT "id", "status", "withdrawn_reason" FROM "${NOTIFIER_SCHEMA}"."task" WHERE "id" = ANY($1)`, [[first.id, second.id]]);
    expect(Object.fromEntries(statuses.map((row: { id: string; status: string; withdrawn_reason: string | null }) => [row.id, `${row.status}/${row.withdrawn_reason}`]))).toEqual({
      [first.id]: 'accepted/null',
      [second.id]: 'withdrawn/accepted-elsewhere',
    });
    // Their reminder jobs are gone at once (removed after the commit).
    expect(await queue.getJob(`reminder.${first.id}`)).toBeUndefined();
    expect(await queue.getJob(`reminder.${second.id}`)).toBeUndefined();
    // The other organisation is told it is no longer needed, and its link says so and records nothing.
    const told = await eventually(() => mails(event.referralId, 'No longer needed:').find((mail) => JSON.stringify(mail.to).includes('example.org.uk')));
    expect(told.text).toContain('Another organisation has accepted this referral');
    const page = await fetch(`${notifier.url}/t/${signer.sign(second.id).token}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('no longer needed');
    const lateAccept = await post(second.id, 'decision=accept');
    expect(lateAccept.status).toBe(410);
    expect(await notifier.outbox('referral.accepted')).toHaveLength(1);

    // A reminder that fires anyway (removed too late, or replayed) finds the task decided or withdrawn and sends nothing.
    await reminders.fire('reminder', first.id);
    await reminders.fire('reminder', second.id);
    expect(await organisationTasks(event.referralId)).toEqual([
      expect.objectContaining({ reminded_at: null, escalated_at: null }),
      expect.objectContaining({ reminded_at: null, escalated_at: null }),
    ]);
    expect(mails(event.referralId, 'Reminder:')).toHaveLength(0);
    await queue.close();
  });
});
