import { randomUUID } from 'node:crypto';
import { EventPublisher, EventType } from '@app/shared';
import { eventually } from '@app/shared/testing';
import { INTAKE_SCHEMA } from '../environment';
import { IntakeHarness, startIntake } from '../testing/intake-harness';
import { IdempotencyStore, RequestKey } from './idempotency';
import { NewReferral, ReferralStore } from './referral.store';
import { SenderStore } from '../senders/sender.store';

let intake: IntakeHarness;
let senderId: string;

beforeAll(async () => {
  intake = await startIntake('intake_referral_store');
  senderId = (await intake.addSender()).id;
  await intake.dataSource.query('CREATE EXTENSION IF NOT EXISTS pageinspect');
});

afterAll(async () => {
  await intake?.close();
});

const newReferral = (overrides: Partial<NewReferral> = {}): NewReferral => ({
  id: randomUUID(),
  senderId,
  senderReferralId: `REF-${randomUUID()}`,
  requestHash: 'hash',
  format: 'json',
  originalPayload: null,
  practiceOdsCode: 'A81001',
  needs: ['loneliness'],
  urgency: 'routine',
  consentRecordedAt: null,
  patient: { nhsNumber: '9434765919' },
  referrer: null,
  preferredOrganisationId: null,
  notes: null,
  correlationId: randomUUID(),
  receivedAt: new Date(),
  ...overrides,
});

/**
 * The tuples in the heaps of the referral and key tables, live or dead: a row written by a statement that
 * then failed stays in its table's heap (dead) until a vacuum, so a count that does not move means nothing
 * was written there, not even rows rolled back. (Not the outbox: the relay updates its rows meanwhile.)
 */
async function heapTuples(): Promise<number> {
  const tables = ['referral', 'idempotency_key'].map((table) => `${INTAKE_SCHEMA}.${table}`);
  const [{ tuples }] = await intake.dataSource.query(
    `SELECT count(*)::int AS "tuples" FROM unnest($1::text[]) AS t(name),
       generate_series(0, pg_relation_size(t.name::regclass) / current_setting('block_size')::int - 1) AS page,
       heap_page_items(get_raw_page(t.name, page::int)) AS item
     WHERE item.lp_flags <> 0`,
    [tables],
  );
  return tuples;
}

/** The one statement submit() runs for a new referral: true and everything written, or false and nothing. */
async function insertAtOnce(referral: NewReferral, keys: RequestKey[]): Promise<boolean> {
  const events = intake.app.get(EventPublisher);
  const presumed = { status: 202, body: { referralId: referral.id } };
  const newKeys = intake.app.get(IdempotencyStore).newKeys(senderId, keys, 'request', presumed);
  const outboxRow = (onlyIf: string) => events.outboxRow(EventType.ReferralReceived, { referralId: referral.id, payload: {} as never }, onlyIf).insert;
  return intake.app.get(ReferralStore).insertNew(newKeys, referral, outboxRow, events.channel);
}

describe('a new referral in one statement', () => {
  it('claims the keys as answered, inserts the referral with its receivedAt (its status and last change at the same time), and writes its outbox row', async () => {
    const referral = newReferral();
    const keys: RequestKey[] = [{ scope: 'webhook-id', key: randomUUID() }, { scope: 'idempotency-key', key: randomUUID() }];
    const before = await intake.counts();
    expect(await insertAtOnce(referral, keys)).toBe(true);
    expect(await intake.counts()).toEqual({ referrals: before.referrals + 1, outbox: before.outbox + 1, keys: before.keys + 2 });
    const [row] = await intake.dataSource.query(`SELECT "received_at", "status_changed_at", "updated_at" FROM "intake"."referral" WHERE "id" = $1`, [referral.id]);
    expect(row).toEqual({ received_at: referral.receivedAt, status_changed_at: referral.receivedAt, updated_at: referral.receivedAt });
  });

  it('writes nothing, not even rows rolled back, and answers false, when a key was used or the senderReferralId was sent before', async () => {
    const first = newReferral();
    const key: RequestKey = { scope: 'webhook-id', key: randomUUID() };
    expect(await insertAtOnce(first, [key])).toBe(true);
    const before = await intake.counts();
    const tuples = await heapTuples();
    expect(await insertAtOnce(newReferral(), [key, { scope: 'idempotency-key', key: randomUUID() }])).toBe(false);
    expect(await insertAtOnce(newReferral({ senderReferralId: first.senderReferralId }), [{ scope: 'webhook-id', key: randomUUID() }])).toBe(false);
    expect(await intake.counts()).toEqual(before);
    // A statement that failed would have left its rows dead in the heaps (the division by zero did).
    expect(await heapTuples()).toBe(tuples);
  });

  it('writes nothing, and answers false, when another request claims one of its keys while it runs', async () => {
    const held: RequestKey = { scope: 'idempotency-key', key: randomUUID() };
    const free: RequestKey = { scope: 'webhook-id', key: randomUUID() };
    const holder = intake.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query(
        `INSERT INTO "${INTAKE_SCHEMA}"."idempotency_key" ("sender_id", "scope", "key", "request_hash", "expires_at") VALUES ($1, $2, $3, 'other', now() + interval '1 hour')`,
        [senderId, held.scope, held.key],
      );
      const before = await intake.counts();
      // The other request's key is not in this statement's snapshot: the check passes, and the claim waits on the key.
      const racing = insertAtOnce(newReferral(), [free, held]);
      await eventually(async () => {
        const [waiting] = await intake.dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE "datname" = current_database() AND "wait_event_type" = 'Lock'`);
        return waiting !== undefined;
      });
      await holder.commitTransaction();
      expect(await racing).toBe(false);
      expect(await intake.counts()).toEqual({ ...before, keys: before.keys + 1 });
      const [claimed] = await intake.dataSource.query(`SELECT 1 FROM "${INTAKE_SCHEMA}"."idempotency_key" WHERE "key" = $1`, [free.key]);
      expect(claimed).toBeUndefined();
    } finally {
      await holder.release();
    }
  });
});

describe("the status consumer's statements", () => {
  const store = () => intake.app.get(ReferralStore);
  const stored = async (referral: NewReferral) => intake.dataSource.transaction((manager) => store().insert(manager, referral));
  const historyEvent = (referralId: string, type: string, minute: number) => ({
    eventId: randomUUID(),
    referralId,
    type,
    occurredAt: new Date(Date.UTC(2026, 10, 2, 9, minute)),
    facts: { actor: { kind: 'routing' as const } },
  });

  it("locks the referral and reads where its sender takes callbacks, in one statement; null for a referral never received", async () => {
    const senders = intake.app.get(SenderStore);
    const { sender } = await senders.register({ name: 'Callback GP system', practiceOdsCodes: ['A81001'], callbackUrl: 'https://gp.example/callbacks', callbackFormat: 'fhir-task' }, intake.env.SENDER_SECRET_KEY);
    const referral = newReferral({ senderId: sender.id });
    await stored(referral);
    const lockWithTarget = () => intake.dataSource.transaction((manager) => store().lockWithCallbackTarget(manager, referral.id));
    const locked = await lockWithTarget();
    expect(locked?.referral).toMatchObject({ id: referral.id, status: 'received', senderId: sender.id, receivedAt: referral.receivedAt });
    expect(locked?.callbackTarget).toEqual({ senderId: sender.id, callbackUrl: 'https://gp.example/callbacks', callbackFormat: 'fhir-task', disabled: false });
    await senders.setDisabled(sender.id, true);
    expect((await lockWithTarget())?.callbackTarget).toMatchObject({ disabled: true });
    expect(await intake.dataSource.transaction((manager) => store().lockWithCallbackTarget(manager, randomUUID()))).toBeNull();
  });

  it('records an event once and returns the history with it, each event once, also when the event was recorded before', async () => {
    const referral = newReferral();
    await stored(referral);
    const routed = historyEvent(referral.id, EventType.ReferralRouted, 1);
    const accepted = historyEvent(referral.id, EventType.ReferralAccepted, 2);
    const record = (event: typeof routed) => intake.dataSource.transaction((manager) => store().recordHistory(manager, event));
    const byId = (history: Array<{ eventId: string }>) => [...history].sort((a, b) => a.eventId.localeCompare(b.eventId));
    expect(await record(routed)).toEqual([routed]);
    expect(byId(await record(accepted))).toEqual(byId([routed, accepted]));
    expect(byId(await record(routed))).toEqual(byId([routed, accepted]));
    expect(byId(await store().history(referral.id))).toEqual(byId([routed, accepted]));
  });
});
