import { randomUUID } from 'node:crypto';
import { ALL_EVENT_TYPES, EventPublisher, EventType, OutboxRelay, ServiceName, createTransportTables, eventsConsumedBy } from '@app/shared';
import { advisoryLockWaiters, eventually } from '@app/shared/testing';
import { OutcomesHarness, followUp, ingestDirectly, receivedEvent, startOutcomes } from '../testing/harness';
import { INTAKE_SCHEMA } from '../../../referral-intake/src/environment';
import { OUTCOMES_SCHEMA } from '../environment';
import { LifecycleStore } from './lifecycle.store';

let outcomes: OutcomesHarness;

beforeAll(async () => {
  outcomes = await startOutcomes('outcomes_lifecycle');
});

afterAll(async () => {
  await outcomes.close();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 9, minute));

describe('consuming the lifecycle from the queue', () => {
  it('is subscribed to every event type there is', () => {
    expect(eventsConsumedBy(ServiceName.Outcomes).sort()).toEqual([...ALL_EVENT_TYPES].sort());
  });

  it('handles every event type, delivered all at once, into one settled projection', async () => {
    const linkWorkerId = randomUUID();
    const organisationId = randomUUID();
    const handedOffTo = randomUUID();
    const received = receivedEvent({ occurredAt: at(0) });
    const id = received.referralId;
    const notification = { notificationId: randomUUID(), recipientType: 'link-worker' as const, recipientId: linkWorkerId, channel: 'email' as const, provider: 'smtp' };
    const by = { kind: 'organisation' as const, id: organisationId };
    const events = [
      received,
      followUp(EventType.ReferralUnrouted, id, { reason: 'no link worker covers the practice', fallbackLinkWorkerId: linkWorkerId }, at(1)),
      followUp(EventType.ReferralRouted, id, { linkWorkerId, tasks: [{ recipientType: 'organisation', recipientId: organisationId, reason: 'match' }] }, at(2)),
      followUp(EventType.NotificationSent, id, notification, at(3)),
      followUp(EventType.NotificationFailed, id, { ...notification, channel: 'sms', error: 'number unreachable' }, at(4)),
      followUp(EventType.NotificationDelivered, id, notification, at(5)),
      followUp(EventType.ReferralDeclined, id, { recipientType: 'link-worker', recipientId: linkWorkerId, decidedAt: at(6).toISOString(), reason: 'no-capacity' }, at(6)),
      followUp(EventType.ReferralOffered, id, { recipients: [{ recipientType: 'organisation', recipientId: handedOffTo }], by: { kind: 'link-worker', id: linkWorkerId } }, at(7)),
      followUp(EventType.ReferralAccepted, id, { recipientType: 'organisation', recipientId: organisationId, organisationId, decidedAt: at(7).toISOString() }, at(7)),
      followUp(EventType.ReferralOfferWithdrawn, id, { recipients: [{ recipientType: 'organisation', recipientId: handedOffTo }], by: { kind: 'routing' }, reason: 'accepted-elsewhere' }, at(7)),
      followUp(EventType.ReferralContacted, id, { recordedBy: by, occurredAt: at(8).toISOString() }, at(8)),
      followUp(EventType.MeasureRecorded, id, { measureId: randomUUID(), measure: 'UCLA3', timepoint: 'start', items: [3, 2, 3], score: { total: 8 }, recordedAt: at(9).toISOString(), recordedBy: by }, at(9)),
      followUp(EventType.SessionAttended, id, { recordedBy: by, occurredAt: at(10).toISOString() }, at(10)),
      followUp(EventType.SessionMissed, id, { recordedBy: by, occurredAt: at(11).toISOString() }, at(11)),
      followUp(EventType.ReferralCompleted, id, { recordedBy: by, occurredAt: at(12).toISOString() }, at(12)),
      followUp(EventType.ReferralClosed, id, { recordedBy: by, occurredAt: at(13).toISOString() }, at(13)),
      // After closure: consent withdrawal is kept as a fact; a cancellation comes too late and is an anomaly.
      followUp(EventType.ReferralConsentWithdrawn, id, { recordedAt: at(14).toISOString(), by: { kind: 'sender' } }, at(14)),
      followUp(EventType.ReferralCancelled, id, { reason: 'no-longer-required', cancelledAt: at(15).toISOString(), by: { kind: 'sender' } }, at(15)),
    ];
    const cancelled = events.at(-1)!;
    expect(new Set(events.map((event) => event.type)).size).toBe(ALL_EVENT_TYPES.length);
    await outcomes.deliver(...[...events].reverse());
    const [referral] = await eventually(async () => {
      const rows = await outcomes.dataSource.query(
        `SELECT r."status", r."sessions_attended", r."sessions_missed", r."close_reason", r."assignees", (SELECT count(*)::int FROM "${OUTCOMES_SCHEMA}"."outcome_event" e WHERE e."referral_id" = r."referral_id") AS "events"
         FROM "${OUTCOMES_SCHEMA}"."referral" r WHERE r."referral_id" = $1`,
        [id],
      );
      return rows[0]?.events === events.length ? rows : undefined;
    });
    expect(referral).toMatchObject({ status: 'closed', sessions_attended: 1, sessions_missed: 1, close_reason: 'completed', assignees: [`link-worker:${linkWorkerId}`, `organisation:${organisationId}`] });
    expect(await outcomes.dataSource.query(`SELECT "event_id", "from_status" FROM "${OUTCOMES_SCHEMA}"."referral_anomaly" WHERE "referral_id" = $1`, [id])).toEqual([{ event_id: cancelled.id, from_status: 'closed' }]);
    expect(await outcomes.dataSource.query(`SELECT * FROM "${OUTCOMES_SCHEMA}"."dead_letter"`)).toEqual([]);
    const [measure] = await outcomes.dataSource.query(`SELECT "measure", "timepoint", "score" FROM "${OUTCOMES_SCHEMA}"."measure" WHERE "referral_id" = $1`, [id]);
    expect(measure).toEqual({ measure: 'UCLA3', timepoint: 'start', score: { total: 8 } });
  });

  it("takes an event from another service's outbox, through its relay and our queue, exactly once", async () => {
    const runner = outcomes.dataSource.createQueryRunner();
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "intake"`);
    await createTransportTables(runner, 'intake');
    await runner.release();
    const publisher = new EventPublisher(ServiceName.ReferralIntake, 'intake');
    const received = receivedEvent({ occurredAt: at(30) });
    const published = await outcomes.dataSource.transaction((manager) =>
      publisher.publish(manager, EventType.ReferralReceived, { referralId: received.referralId, payload: received.payload, occurredAt: at(30) }),
    );
    const relay = new OutboxRelay(outcomes.dataSource, {
      service: ServiceName.ReferralIntake,
      schema: 'intake',
      redisUrl: outcomes.redis.url,
      redisPrefix: outcomes.redis.prefix,
      maxAttempts: 3,
      backoffMs: 20,
      outboxPollMs: 20,
      sealingKey: outcomes.env.EVENT_SEALING_KEY,
      outboxRetentionHours: 24,
    });
    try {
      expect(await relay.drain()).toBe(1);
      await eventually(async () => {
        const [row] = await outcomes.dataSource.query(`SELECT "status" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [received.referralId]);
        return row?.status === 'received';
      });
      await outcomes.dataSource.query(`UPDATE "${INTAKE_SCHEMA}"."outbox" SET "published_at" = NULL`);
      expect(await relay.drain()).toBe(1);
      await outcomes.redeliver(published);
    } finally {
      await relay.stop();
    }
    const [stored] = await outcomes.dataSource.query(`SELECT count(*)::int AS n FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "event_id" = $1`, [published.id]);
    expect(stored.n).toBe(1);
  });

  it('records an impossible event as an anomaly, keeps it in the store, and leaves the status alone', async () => {
    const received = receivedEvent({ occurredAt: at(20) });
    const completed = followUp(EventType.ReferralCompleted, received.referralId, { recordedBy: { kind: 'link-worker', id: randomUUID() }, occurredAt: at(21).toISOString() }, at(21));
    await outcomes.deliver(received, completed);
    const anomaly = await eventually(async () => {
      const [row] = await outcomes.dataSource.query(`SELECT "event_id", "event_type", "from_status", "reason" FROM "${OUTCOMES_SCHEMA}"."referral_anomaly" WHERE "referral_id" = $1`, [received.referralId]);
      return row;
    });
    expect(anomaly).toEqual({ event_id: completed.id, event_type: EventType.ReferralCompleted, from_status: 'received', reason: expect.stringContaining('cannot follow received') });
    const [referral] = await outcomes.dataSource.query(`SELECT "status", "completed_at" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [received.referralId]);
    expect(referral).toEqual({ status: 'received', completed_at: null });
  });

  it('keeps anomalies and measures as the events in order say, whatever order they came in, and a stored event ingested again changes nothing', async () => {
    const linkWorkerId = randomUUID();
    const by = { kind: 'link-worker' as const, id: linkWorkerId };
    const received = receivedEvent({ occurredAt: at(40) });
    const id = received.referralId;
    const routed = followUp(EventType.ReferralRouted, id, { linkWorkerId, tasks: [] }, at(41));
    const accepted = followUp(EventType.ReferralAccepted, id, { recipientType: 'link-worker', recipientId: linkWorkerId, decidedAt: at(43).toISOString() }, at(43));
    const contacted = followUp(EventType.ReferralContacted, id, { recordedBy: by, occurredAt: at(44).toISOString() }, at(44));
    const measureId = randomUUID();
    const measured = followUp(EventType.MeasureRecorded, id, { measureId, measure: 'ONS4', timepoint: 'start', items: [6, 7, 5, 3], score: { lifeSatisfaction: 6 }, recordedAt: at(45).toISOString(), recordedBy: by }, at(45));
    const cancelled = followUp(EventType.ReferralCancelled, id, { reason: 'no-longer-required', cancelledAt: at(42).toISOString(), by: { kind: 'sender' } }, at(42));
    const anomalies = async () =>
      (await outcomes.dataSource.query(`SELECT "event_id", "from_status" FROM "${OUTCOMES_SCHEMA}"."referral_anomaly" WHERE "referral_id" = $1 ORDER BY "event_id"`, [id])) as Array<{
        event_id: string;
        from_status: string;
      }>;
    const measures = async () =>
      outcomes.dataSource.query(`SELECT "id", "event_id", "items", "score", "recorded_at", "recorded_by_kind", "recorded_by_id" FROM "${OUTCOMES_SCHEMA}"."measure" WHERE "referral_id" = $1`, [id]);

    // Before the routing, the acceptance and what follows it are impossible: anomalies, and no measure.
    await ingestDirectly(outcomes, received, accepted, contacted, measured);
    expect((await anomalies()).map((row) => row.event_id).sort()).toEqual([accepted.id, contacted.id, measured.id].sort());
    expect(await measures()).toEqual([]);

    // The routing arrives late: folded in order, nothing was impossible, so the anomalies go and the measure is kept.
    await ingestDirectly(outcomes, routed);
    expect(await anomalies()).toEqual([]);
    const kept = { id: measureId, event_id: measured.id, items: [6, 7, 5, 3], score: { lifeSatisfaction: 6 }, recorded_at: at(45), recorded_by_kind: 'link-worker', recorded_by_id: linkWorkerId };
    expect(await measures()).toEqual([kept]);

    await ingestDirectly(outcomes, measured, routed);
    expect(await measures()).toEqual([kept]);
    expect(await anomalies()).toEqual([]);

    // A cancellation before the acceptance: everything after it becomes impossible, and the measure goes.
    await ingestDirectly(outcomes, cancelled);
    expect(await anomalies()).toEqual(
      [accepted, contacted, measured].map((event) => ({ event_id: event.id, from_status: 'cancelled' })).sort((a, b) => a.event_id.localeCompare(b.event_id)),
    );
    expect(await measures()).toEqual([]);
    const [referral] = await outcomes.dataSource.query(`SELECT "status", "accepted_at", "first_contact_at" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [id]);
    expect(referral).toEqual({ status: 'cancelled', accepted_at: null, first_contact_at: null });
  });

  it('handles an event only once the referral is free: the consumer takes the lock an API path holds', async () => {
    const received = receivedEvent({ occurredAt: at(50) });
    const store = outcomes.app.get(LifecycleStore);
    const stored = async () => (await outcomes.dataSource.query(`SELECT count(*)::int AS "n" FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "event_id" = $1`, [received.id]))[0].n;
    const runner = outcomes.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await store.lockReferral(runner.manager, received.referralId);
      await outcomes.deliver(received);
      // The consumer has claimed the event and waits for the referral: nothing of it is stored yet.
      await eventually(async () => (await advisoryLockWaiters(outcomes.dataSource)) === 1);
      expect(await stored()).toBe(0);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    await eventually(async () => (await stored()) === 1);
  });

  it('refuses to change or delete a stored event', async () => {
    await expect(outcomes.dataSource.query(`UPDATE "${OUTCOMES_SCHEMA}"."outcome_event" SET "type" = 'referral.closed'`)).rejects.toThrow(/append-only/);
    await expect(outcomes.dataSource.query(`DELETE FROM "${OUTCOMES_SCHEMA}"."outcome_event"`)).rejects.toThrow(/append-only/);
  });
});

describe('notifications in the projection', () => {
  const projectionOf = async (referralId: string) =>
    (await outcomes.dataSource.query(`SELECT "status", "routed_at", "assignees", "last_event_at" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [referralId]))[0];

  it('moves only the last-event time for a notification after every other event, and folds one that arrives late like any other', async () => {
    const linkWorkerId = randomUUID();
    const received = receivedEvent({ occurredAt: at(0) });
    const id = received.referralId;
    const notification = { notificationId: randomUUID(), recipientType: 'link-worker' as const, recipientId: linkWorkerId, channel: 'email' as const, provider: 'smtp' };
    await ingestDirectly(outcomes, received, followUp(EventType.ReferralRouted, id, { linkWorkerId, tasks: [{ recipientType: 'link-worker', recipientId: linkWorkerId, reason: 'covers the practice' }] }, at(2)));
    const routed = await projectionOf(id);

    await ingestDirectly(outcomes, followUp(EventType.NotificationSent, id, notification, at(3)));
    expect(await projectionOf(id)).toEqual({ ...routed, last_event_at: at(3) });

    // Late, before the routing: the shortcut does not apply; the full fold keeps the latest time.
    await ingestDirectly(outcomes, followUp(EventType.NotificationDelivered, id, notification, at(1)));
    expect(await projectionOf(id)).toEqual({ ...routed, last_event_at: at(3) });
    const [{ anomalies }] = await outcomes.dataSource.query(`SELECT count(*)::int AS "anomalies" FROM "${OUTCOMES_SCHEMA}"."referral_anomaly" WHERE "referral_id" = $1`, [id]);
    expect(anomalies).toBe(0);
  });
});
