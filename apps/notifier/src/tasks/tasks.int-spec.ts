import { Queue } from 'bullmq';
import { EventType, QueueName, ServiceName, createEvent } from '@app/shared';
import { SmtpSink, eventually, startSmtpSink } from '@app/shared/testing';
import { NotifierHarness, PATIENT, SAMPLE, receivedPayload, startNotifier } from '../testing/notifier-test-app';
import { CaseworkService, ReferralView } from './casework.service';
import { parseMeasureForm, parseOutcomeForm } from './forms';
import { TasksService } from './tasks.service';
import { TasksStore } from './tasks.store';
import { NOTIFIER_SCHEMA } from '../environment';

const ORG = {
  befriending: 'ad932e9a-2678-5fcb-91f0-5542ed4baddc',
  dorman: '3a5b044e-f60b-5948-8ed8-23d7e3b98cc6',
  debtAdvice: 'af0d8056-8574-5dad-aa10-e2b4f0ab23c5',
  stocktonLibrary: 'abc82f34-5e46-502c-a0b5-40ae131b7961',
};

const amira = { kind: 'link-worker' as const, id: SAMPLE.amira, email: SAMPLE.amiraEmail };
const org = (id: string) => ({ kind: 'organisation' as const, id });

describe('tasks and casework (real Postgres, Redis and SMTP)', () => {
  let sink: SmtpSink;
  let notifier: NotifierHarness;
  let tasks: TasksService;
  let casework: CaseworkService;
  let store: TasksStore;
  let reminderQueue: Queue;

  beforeAll(async () => {
    sink = await startSmtpSink();
    notifier = await startNotifier('tasks', { SMTP_URL: sink.url, PERSON_DETAILS_RETENTION_MS: '1500', PERSON_DETAILS_SWEEP_MS: '200' });
    tasks = notifier.app.get(TasksService);
    casework = notifier.app.get(CaseworkService);
    store = notifier.app.get(TasksStore);
    reminderQueue = new Queue(QueueName.Reminders, { connection: { url: notifier.redis.url }, prefix: notifier.redis.prefix });
  });

  afterAll(async () => {
    await reminderQueue?.close();
    await notifier?.close();
    await sink?.close();
  });

  async function routed(payload = receivedPayload()) {
    const event = await notifier.receive(payload);
    await notifier.handled(event.jobId);
    return event;
  }

  const taskOf = async (referralId: string, recipientId: string) => (await store.tasksOf(referralId)).find((task) => task.recipientId === recipientId)!;
  const asView = (view: Awaited<ReturnType<CaseworkService['view']>>) => {
    if ('state' in view) throw new Error(`expected a view, got ${view.state}`);
    return view as ReferralView;
  };
  const outcome = (body: Record<string, string>) => {
    const parsed = parseOutcomeForm(body, new Date());
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.value;
  };

  it('keeps the person’s details of a routed referral sealed at rest, and none of an unrouted one', async () => {
    const event = await routed(receivedPayload({ notes: 'Widowed last year; prefers mornings.', patient: { ...PATIENT, preferredContactMethod: 'phone' } }));
    const [row] = await notifier.dataSource.query(`SELECT "sealed" FROM "${NOTIFIER_SCHEMA}"."person_details" WHERE "referral_id" = $1`, [event.referralId]);
    expect(row.sealed).toMatch(/^s2\./);
    for (const plain of [PATIENT.nhsNumber, PATIENT.givenName, PATIENT.familyName, PATIENT.phone, 'Widowed']) expect(row.sealed).not.toContain(plain);
    const dump = JSON.stringify(await notifier.dataSource.query(`SELECT * FROM "${NOTIFIER_SCHEMA}"."referral" WHERE "referral_id" = $1`, [event.referralId]));
    expect(dump).not.toContain(PATIENT.nhsNumber);

    const nobody = await routed(receivedPayload({ practiceOdsCode: 'Z99999' }));
    expect(await notifier.dataSource.query(`SELECT 1 FROM "${NOTIFIER_SCHEMA}"."person_details" WHERE "referral_id" = $1`, [nobody.referralId])).toEqual([]);
  });

  it('shows the link worker everything and audits each view; other link workers and organisations see no details', async () => {
    const event = await routed(receivedPayload({ notes: 'Widowed last year.', referrer: { name: 'Dr A Khan', professionalRole: 'GP' }, patient: { ...PATIENT, preferredContactMethod: 'email' } }));
    const view = asView(await casework.view(amira, event.referralId));
    expect(view.details).toEqual(expect.objectContaining({ nhsNumber: PATIENT.nhsNumber, givenName: 'Margaret', notes: 'Widowed last year.', preferredContactMethod: 'email', referrer: { name: 'Dr A Khan', professionalRole: 'GP' } }));
    await casework.view(amira, event.referralId);
    const audits = await notifier.dataSource.query(`SELECT "viewer_kind", "viewer_id", "viewer_email", "fields" FROM "${NOTIFIER_SCHEMA}"."details_view" WHERE "referral_id" = $1`, [event.referralId]);
    expect(audits).toEqual([
      expect.objectContaining({ viewer_kind: 'link-worker', viewer_id: SAMPLE.amira, viewer_email: SAMPLE.amiraEmail, fields: expect.stringContaining('nhs-number') }),
      expect.objectContaining({ viewer_kind: 'link-worker', viewer_id: SAMPLE.amira }),
    ]);

    expect(await casework.view({ kind: 'link-worker', id: SAMPLE.tom }, event.referralId)).toEqual({ state: 'forbidden' });
    expect(await casework.view(org(ORG.debtAdvice), event.referralId)).toEqual({ state: 'forbidden' });
    const offered = asView(await casework.view(org(ORG.befriending), event.referralId));
    expect(offered.details).toBeUndefined();
    expect(offered.contact).toBeUndefined();
    // Only the link worker's two views were audited: the organisation saw nothing identifiable.
    expect(await notifier.dataSource.query(`SELECT 1 FROM "${NOTIFIER_SCHEMA}"."details_view" WHERE "referral_id" = $1`, [event.referralId])).toHaveLength(2);
  });

  it('on acceptance gives the organisation only the name and agreed contact, and withdraws the other offers for that need', async () => {
    const event = await routed(receivedPayload({ needs: ['loneliness', 'money-debt-benefits'], notes: 'Private GP notes', patient: { ...PATIENT, preferredContactMethod: 'phone' } }));
    const offers = await store.tasksOf(event.referralId);
    expect(offers.filter((task) => task.recipientType === 'organisation').map((task) => [task.recipientId, task.needs]).sort()).toEqual(
      [
        [ORG.befriending, ['loneliness']],
        [ORG.debtAdvice, ['money-debt-benefits']],
        [ORG.dorman, ['loneliness']],
      ].sort(),
    );
    const befriending = await taskOf(event.referralId, ORG.befriending);
    const result = await tasks.decide(befriending.id, { decision: 'accept' });
    expect(result.state).toBe('recorded');
    expect(result.state === 'recorded' && result.withdrawn.map((task) => task.recipientId)).toEqual([ORG.dorman]);
    expect((await taskOf(event.referralId, ORG.dorman)).status).toBe('withdrawn');
    expect((await taskOf(event.referralId, ORG.debtAdvice)).status).toBe('open');
    expect(await reminderQueue.getJob(`reminder.${(await taskOf(event.referralId, ORG.dorman)).id}`)).toBeUndefined();
    expect(await reminderQueue.getJob(`reminder.${(await taskOf(event.referralId, ORG.debtAdvice)).id}`)).toBeDefined();
    await eventually(() => sink.messages.find((mail) => mail.subject === `No longer needed: social prescribing referral ${event.referralId}`));

    const accepted = asView(await casework.view(org(ORG.befriending), event.referralId));
    expect(accepted.contact).toEqual({ name: 'Margaret Oyelaran', method: 'Phone call', value: '07700 900999' });
    expect(accepted.details).toBeUndefined();
    expect(JSON.stringify(accepted)).not.toContain(PATIENT.nhsNumber);
    expect(JSON.stringify(accepted)).not.toContain('Private GP notes');
    const [audit] = await notifier.dataSource.query(`SELECT "viewer_kind", "viewer_id", "fields" FROM "${NOTIFIER_SCHEMA}"."details_view" WHERE "referral_id" = $1`, [event.referralId]);
    expect(audit).toEqual({ viewer_kind: 'organisation', viewer_id: ORG.befriending, fields: 'name,agreed-contact' });

    // A decline after another organisation accepted changes nothing about the referral's status.
    await tasks.decide((await taskOf(event.referralId, ORG.debtAdvice)).id, { decision: 'decline', reason: 'no-capacity' });
    expect((await store.findCase(event.referralId))?.status).toBe('accepted');
    expect((await notifier.outbox(EventType.ReferralDeclined)).filter((e) => e.referralId === event.referralId)).toHaveLength(1);
  });

  it('lets only the accepting organisation and the link worker record, publishing each as its lifecycle event', async () => {
    const event = await routed(receivedPayload({ needs: ['loneliness'] }));
    await tasks.decide((await taskOf(event.referralId, ORG.befriending)).id, { decision: 'accept' });
    expect(await casework.recordOutcome(org(ORG.dorman), event.referralId, outcome({ kind: 'contacted' }))).toEqual({ state: 'forbidden' });
    expect(await casework.recordOutcome({ kind: 'link-worker', id: SAMPLE.tom }, event.referralId, outcome({ kind: 'contacted' }))).toEqual({ state: 'forbidden' });
    expect(await casework.recordOutcome(org(ORG.befriending), event.referralId, outcome({ kind: 'session-attended' }))).toEqual({ state: 'refused', reason: expect.stringContaining('cannot follow accepted') });

    const befriending = org(ORG.befriending);
    expect(await casework.recordOutcome(befriending, event.referralId, outcome({ kind: 'could-not-contact', attempts: '2' }))).toEqual({ state: 'recorded', status: 'accepted' });
    expect(await casework.recordOutcome(befriending, event.referralId, outcome({ kind: 'contacted' }))).toEqual({ state: 'recorded', status: 'contacted' });
    const swemwbs = parseMeasureForm('SWEMWBS', { timepoint: 'start', 'item-1': '2', 'item-2': '2', 'item-3': '3', 'item-4': '2', 'item-5': '3', 'item-6': '2', 'item-7': '3' }, new Date());
    if (!swemwbs.ok) throw new Error('bad measure');
    expect(await casework.recordMeasure(amira, event.referralId, swemwbs.value)).toEqual(expect.objectContaining({ state: 'recorded' }));
    expect(await casework.recordOutcome(befriending, event.referralId, outcome({ kind: 'session-attended' }))).toEqual({ state: 'recorded', status: 'in-progress' });
    expect(await casework.recordOutcome(befriending, event.referralId, outcome({ kind: 'did-not-attend' }))).toEqual({ state: 'recorded', status: 'in-progress' });
    expect(await casework.recordOutcome(befriending, event.referralId, outcome({ kind: 'completed' }))).toEqual({ state: 'recorded', status: 'completed' });

    const published = (await notifier.outbox()).filter((e) => e.referralId === event.referralId && !e.type.startsWith('notification.')).map((e) => e.type);
    // Accepting takes back the other offers for the same need, and completing takes back any still open:
    // each is published, so intake and outcomes agree who still holds an offer.
    expect(published.slice(published.indexOf(EventType.ReferralAccepted))).toEqual([
      EventType.ReferralAccepted,
      EventType.ReferralOfferWithdrawn,
      EventType.ReferralContacted,
      EventType.MeasureRecorded,
      EventType.SessionAttended,
      EventType.SessionMissed,
      EventType.ReferralOfferWithdrawn,
      EventType.ReferralCompleted,
    ]);
    const completed = (await notifier.outbox(EventType.ReferralCompleted)).find((e) => e.referralId === event.referralId)!;
    expect(completed.payload).toEqual(expect.objectContaining({ recordedBy: { kind: 'organisation', id: ORG.befriending }, organisationId: ORG.befriending }));
    expect(await store.findCase(event.referralId)).toEqual(expect.objectContaining({ status: 'completed', contactAttempts: 2, sessionsAttended: 1, sessionsMissed: 1 }));
    expect((await store.measures(event.referralId))[0]).toEqual(expect.objectContaining({ measure: 'SWEMWBS', score: { raw: 17, metric: expect.any(Number) } }));
  });

  it('applies lifecycle events other services publish once each, and skips its own', async () => {
    const event = await routed(receivedPayload({ needs: ['loneliness'] }));
    await tasks.decide((await taskOf(event.referralId, ORG.befriending)).id, { decision: 'accept' });
    const contacted = createEvent({
      type: EventType.ReferralContacted,
      referralId: event.referralId,
      correlationId: event.correlationId,
      source: ServiceName.Outcomes,
      payload: { recordedBy: { kind: 'organisation', id: ORG.befriending }, organisationId: ORG.befriending, occurredAt: new Date().toISOString() },
    });
    await notifier.handled(await notifier.deliverEvent(contacted));
    await notifier.handled(await notifier.deliverEvent(contacted));
    const session = createEvent({ type: EventType.SessionAttended, referralId: event.referralId, correlationId: event.correlationId, source: ServiceName.Notifier, payload: contacted.payload });
    await notifier.handled(await notifier.deliverEvent(session));
    expect(await store.findCase(event.referralId)).toEqual(expect.objectContaining({ status: 'contacted', sessionsAttended: 0 }));
    expect((await store.outcomes(event.referralId)).map((row) => row.kind)).toEqual(['contacted']);
  });

  it.each([
    [EventType.ReferralCancelled, 'cancelled', { reason: 'no-longer-required', cancelledAt: new Date().toISOString(), by: { kind: 'sender' } }],
    [EventType.ReferralConsentWithdrawn, 'consent-withdrawn', { recordedAt: new Date().toISOString(), by: { kind: 'sender' } }],
  ] as const)('on %s from the GP system withdraws every open offer and ends the case', async (type, status, payload) => {
    const event = await routed(receivedPayload({ needs: ['loneliness'] }));
    const offers = (await store.tasksOf(event.referralId)).filter((task) => task.recipientType === 'organisation' && task.status === 'open');
    expect(offers.length).toBeGreaterThan(0);
    const stopped = createEvent({ type, referralId: event.referralId, correlationId: event.correlationId, source: ServiceName.ReferralIntake, payload: payload as never });
    await notifier.handled(await notifier.deliverEvent(stopped));
    for (const offer of offers) expect((await taskOf(event.referralId, offer.recipientId)).status).toBe('withdrawn');
    expect(await store.findCase(event.referralId)).toEqual(expect.objectContaining({ status }));
    const details = await notifier.dataSource.query(`SELECT 1 FROM "${NOTIFIER_SCHEMA}"."person_details" WHERE "referral_id" = $1`, [event.referralId]);
    expect(details.length).toBe(status === 'consent-withdrawn' ? 0 : 1);
  });

  it.each([
    [EventType.ReferralCancelled, { reason: 'no-longer-required', cancelledAt: new Date().toISOString(), by: { kind: 'sender' } }],
    [EventType.ReferralConsentWithdrawn, { recordedAt: new Date().toISOString(), by: { kind: 'sender' } }],
  ] as const)('ends up as in order when %s is handled before the referral.received it follows', async (type, payload) => {
    const openOffers = async (referralId: string) => (await store.tasksOf(referralId)).filter((task) => task.status === 'open');
    const details = async (referralId: string) => (await notifier.dataSource.query(`SELECT 1 FROM "${NOTIFIER_SCHEMA}"."person_details" WHERE "referral_id" = $1`, [referralId])).length;
    const stop = (referralId: string) => createEvent({ type, referralId, correlationId: crypto.randomUUID(), source: ServiceName.ReferralIntake, payload: payload as never });

    const inOrder = await routed(receivedPayload({ needs: ['loneliness'] }));
    expect((await openOffers(inOrder.referralId)).length).toBeGreaterThan(0);
    await notifier.handled(await notifier.deliverEvent(stop(inOrder.referralId)));

    const late = crypto.randomUUID();
    await notifier.handled(await notifier.deliverEvent(stop(late)));
    const received = await notifier.receive(receivedPayload({ needs: ['loneliness'] }), late);
    await notifier.handled(received.jobId);

    // Whichever came first: no offer open, nobody asked to act, and the details as the end requires.
    expect(await openOffers(late)).toEqual([]);
    expect(await openOffers(inOrder.referralId)).toEqual([]);
    expect(await details(late)).toBe(0);
    expect(await details(inOrder.referralId)).toBe(type === EventType.ReferralConsentWithdrawn ? 0 : 1);
    const [{ notified }] = await notifier.dataSource.query(`SELECT count(*)::int AS "notified" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1`, [late]);
    expect(notified).toBe(0);
  });

  it('closing withdraws open offers, and the details are deleted once the retention has passed', async () => {
    const event = await routed(receivedPayload({ needs: ['loneliness'] }));
    const offers = (await store.tasksOf(event.referralId)).filter((task) => task.recipientType === 'organisation');
    expect(await casework.recordOutcome(amira, event.referralId, outcome({ kind: 'closed', reason: 'no-longer-interested' }))).toEqual({ state: 'recorded', status: 'closed' });
    for (const offer of offers) expect((await taskOf(event.referralId, offer.recipientId)).status).toBe('withdrawn');
    const closed = (await notifier.outbox(EventType.ReferralClosed)).find((e) => e.referralId === event.referralId)!;
    expect(closed.payload).toEqual(expect.objectContaining({ reason: 'no-longer-interested', recordedBy: { kind: 'link-worker', id: SAMPLE.amira } }));
    const [due] = await notifier.dataSource.query(`SELECT "delete_after" FROM "${NOTIFIER_SCHEMA}"."person_details" WHERE "referral_id" = $1`, [event.referralId]);
    expect(due.delete_after).toBeInstanceOf(Date);
    await eventually(async () => (await notifier.dataSource.query(`SELECT 1 FROM "${NOTIFIER_SCHEMA}"."person_details" WHERE "referral_id" = $1`, [event.referralId])).length === 0, 10000);
    const after = asView(await casework.view(amira, event.referralId));
    expect(after.details).toBeUndefined();
    expect(after.detailsDeleted).toBe(true);
  });

  it('hands off: link-worker-first suggestions wait for the link worker, who offers, adds and removes organisations', async () => {
    const daniel = { kind: 'link-worker' as const, id: SAMPLE.daniel };
    const event = await routed(receivedPayload({ practiceOdsCode: 'A81009', needs: ['loneliness'], patient: { ...PATIENT, postcode: 'TS19 7AG' } }));
    expect((await store.tasksOf(event.referralId)).map((task) => task.recipientType)).toEqual(['link-worker']);
    expect(await store.suggestions(event.referralId)).toEqual([expect.objectContaining({ recipientId: ORG.stocktonLibrary, needs: ['loneliness'] })]);

    const first = await tasks.handOff(daniel, event.referralId, [
      { organisationId: ORG.stocktonLibrary, needs: ['loneliness'] },
      { organisationId: ORG.befriending, needs: ['loneliness'] },
    ]);
    expect(first?.offered.map((task) => task.recipientId).sort()).toEqual([ORG.befriending, ORG.stocktonLibrary].sort());
    await eventually(() => sink.messages.filter((mail) => mail.subject === `New social prescribing referral ${event.referralId}`).length === 3);
    const befriending = await taskOf(event.referralId, ORG.befriending);
    expect(befriending.offeredBy).toBe(`link-worker:${SAMPLE.daniel}`);
    expect(await reminderQueue.getJob(`reminder.${befriending.id}`)).toBeDefined();

    const second = await tasks.handOff(daniel, event.referralId, [{ organisationId: ORG.stocktonLibrary, needs: ['loneliness'] }]);
    expect(second).toEqual({ offered: [], withdrawn: [expect.objectContaining({ recipientId: ORG.befriending, withdrawnReason: 'removed-by-link-worker' })] });
    expect((await taskOf(event.referralId, ORG.befriending)).status).toBe('withdrawn');
    expect(await reminderQueue.getJob(`reminder.${befriending.id}`)).toBeUndefined();
    const told = await eventually(() => sink.messages.find((mail) => mail.subject === `No longer needed: social prescribing referral ${event.referralId}`));
    expect(told.text).toContain('The link worker has arranged other support');
  });

  it('offers a recipient at most once per referral, even when two transactions offer it at once or a list names it twice', async () => {
    const referralId = crypto.randomUUID();
    const summary = { needs: ['loneliness'], urgency: 'routine' as const, practiceOdsCode: 'A81001', receivedAt: new Date().toISOString() };
    const offer = (recipientId: string, recipientType: 'link-worker' | 'organisation' = 'organisation') => ({
      id: crypto.randomUUID(),
      referralId,
      recipientType,
      recipientId,
      reason: 'test',
      status: 'open' as const,
      summary,
      needs: ['loneliness'],
      offeredBy: 'routing',
      reminderDueAt: null,
      correlationId: null,
    });
    // Whichever transaction inserts first, the other waits on the unique constraint until it commits, then skips
    // what it holds. (Both list the recipients in the same order, as two routings of one referral would.)
    const [one, other] = await Promise.all([
      store.transaction((manager) => store.insertTasks(manager, [offer(SAMPLE.amira, 'link-worker'), offer(ORG.befriending), offer(ORG.befriending)])),
      store.transaction((manager) => store.insertTasks(manager, [offer(SAMPLE.amira, 'link-worker'), offer(ORG.befriending), offer(ORG.dorman)])),
    ]);
    const inserted = [...one, ...other];
    expect(inserted.map((task) => task.recipientId).sort()).toEqual([SAMPLE.amira, ORG.befriending, ORG.dorman].sort());
    expect((await store.tasksOf(referralId)).map((task) => task.id).sort()).toEqual(inserted.map((task) => task.id).sort());
    for (const task of inserted) expect(task).toEqual(await store.findTask(task.id));
  });
});
