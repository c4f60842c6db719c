import { randomUUID } from 'node:crypto';
import { eventually } from '@app/shared/testing';
import { ActionLinkSigner } from './actions/action-link';
import { NotifierHarness, SAMPLE, receivedPayload, startNotifier } from './testing/notifier-test-app';
import { NOTIFIER_SCHEMA } from './environment';

/** Inputs that each answered 500, or changed what they must not (issue 9): now named 4xx problems that change nothing. */
let notifier: NotifierHarness;
let referralId: string;

beforeAll(async () => {
  notifier = await startNotifier('hostile-input');
  const event = await notifier.receive(receivedPayload({ needs: ['loneliness'] }));
  referralId = event.referralId;
  await eventually(async () => {
    const rows = await notifier.dataSource.query(`SELECT "status" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1`, [referralId]);
    return rows.length > 0 && rows.every((row: { status: string }) => row.status === 'sent');
  });
});

afterAll(async () => {
  await notifier?.close();
});

async function expectProblem(response: Response, status: number, pointer?: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = (await response.json()) as { errors?: Array<{ pointer: string }> };
  if (pointer) expect(body.errors?.map((error) => error.pointer)).toContain(pointer);
}

async function rowCounts(): Promise<Record<string, number>> {
  const tables = ['task', 'notification', 'outbox', 'pcn', 'practice', 'link_worker', 'organisation', 'location', 'service', 'service_at_location'];
  const [row] = await notifier.dataSource.query(`SELECT ${tables.map((table) => `(SELECT count(*) FROM "${NOTIFIER_SCHEMA}"."${table}")::int AS "${table}"`).join(', ')}`);
  return row;
}

describe('one-click decisions', () => {
  let token: string;
  let taskId: string;

  beforeAll(async () => {
    const [task] = await notifier.dataSource.query(`SELECT "id" FROM "${NOTIFIER_SCHEMA}"."task" WHERE "referral_id" = $1 AND "status" = 'open' LIMIT 1`, [referralId]);
    taskId = task.id;
    token = new ActionLinkSigner(notifier.env.ACTION_LINK_SECRET, 60_000).sign(taskId).token;
  });

  afterEach(async () => {
    const [task] = await notifier.dataSource.query(`SELECT "status" FROM "${NOTIFIER_SCHEMA}"."task" WHERE "id" = $1`, [taskId]);
    expect(task.status).toBe('open');
  });

  const decide = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    fetch(`${notifier.url}/t/${token}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('a NUL in reasonText', async () => {
    await expectProblem(await decide('decision=decline&reason=other&reasonText=busy%00week'), 422, '/reasonText');
  });

  it('reasonText given twice, or as a number', async () => {
    await expectProblem(await decide('decision=decline&reason=other&reasonText=a&reasonText=b'), 422, '/reasonText');
    await expectProblem(await decide(JSON.stringify({ decision: 'decline', reason: 'other', reasonText: 5 }), 'application/json'), 422, '/reasonText');
  });
});

describe('GOV.UK Notify receipts', () => {
  const receipt = (body: unknown) =>
    fetch(`${notifier.url}/v1/notify/callbacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${notifier.env.NOTIFY_CALLBACK_TOKEN}` },
      body: JSON.stringify(body),
    });

  async function emailNotification(): Promise<{ id: string; status: string }> {
    const [row] = await notifier.dataSource.query(`SELECT "id", "status" FROM "${NOTIFIER_SCHEMA}"."notification" WHERE "referral_id" = $1 AND "channel" = 'email' ORDER BY "id" LIMIT 1`, [referralId]);
    return row;
  }

  it('a bad completed_at is refused by name', async () => {
    const email = await emailNotification();
    await expectProblem(await receipt({ id: randomUUID(), reference: email.id, status: 'delivered', completed_at: 'yesterday-ish', notification_type: 'sms' }), 400, '/completed_at');
    expect((await emailNotification()).status).toBe('sent');
  });

  it('an SMS receipt never changes an email notification', async () => {
    const email = await emailNotification();
    expect((await receipt({ id: randomUUID(), reference: email.id, status: 'permanent-failure', notification_type: 'sms' })).status).toBe(204);
    expect((await receipt({ id: randomUUID(), reference: email.id, status: 'delivered' })).status).toBe(204);
    expect((await emailNotification()).status).toBe('sent');
    expect(await notifier.outbox('notification.failed')).toEqual([]);
  });
});

describe('directory imports', () => {
  const organisation = (overrides: Record<string, unknown> = {}) => {
    const locationId = randomUUID();
    return {
      id: randomUUID(),
      name: 'Hostile Input Gardens',
      channels: ['email'],
      email: 'gardens@example.org.uk',
      acceptingReferrals: true,
      locations: [{ id: locationId, name: 'Allotments', postcode: 'TS1 4AB' }],
      services: [{ id: randomUUID(), name: 'Gardening club', needs: ['green-nature'], locationIds: [locationId] }],
      ...overrides,
    };
  };
  const importDirectory = (document: unknown) =>
    fetch(`${notifier.url}/v1/directory/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': notifier.env.NOTIFIER_ADMIN_API_KEY },
      body: JSON.stringify(document),
    });

  let before: Record<string, number>;
  beforeEach(async () => {
    before = await rowCounts();
  });
  afterEach(async () => {
    expect(await rowCounts()).toEqual(before);
  });

  it('a location id used twice', async () => {
    const first = organisation();
    const second = organisation({ locations: first.locations, services: [] });
    await expectProblem(await importDirectory({ organisations: [first, second] }), 422, '/organisations/1/locations/0/id');
  });

  it('a service id used twice', async () => {
    const first = organisation();
    const second = organisation();
    second.services[0].id = first.services[0].id;
    await expectProblem(await importDirectory({ organisations: [first, second] }), 422, '/organisations/1/services/0/id');
  });

  it('a location already owned by another organisation', async () => {
    const [saved] = await notifier.dataSource.query(`SELECT "id" FROM "${NOTIFIER_SCHEMA}"."location" LIMIT 1`);
    const intruder = organisation();
    intruder.locations[0].id = saved.id;
    intruder.services[0].locationIds = [saved.id];
    await expectProblem(await importDirectory({ organisations: [intruder] }), 422, '/organisations/0/locations/0/id');
  });

  it('a NUL in a name', async () => {
    await expectProblem(await importDirectory({ organisations: [organisation({ name: 'Gardens\u0000' })] }), 422, '/organisations/0/name');
  });

  it('an unknown property named "constructor" (it crashed the object mapper)', async () => {
    await expectProblem(await importDirectory({ organisations: [organisation()], extra: { constructor: 'x' } }), 422, '/extra/constructor');
  });

  it('a practice whose PCN does not exist', async () => {
    await expectProblem(await importDirectory({ practices: [{ odsCode: 'Q99999', name: 'Nowhere Surgery', pcnOdsCode: 'U99999' }] }), 422, '/practices/0/pcnOdsCode');
  });

  it('a PCN lead who is no link worker', async () => {
    await expectProblem(await importDirectory({ pcns: [{ odsCode: 'U99998', name: 'Leaderless PCN', leadLinkWorkerId: randomUUID() }] }), 422, '/pcns/0/leadLinkWorkerId');
  });

  it('still imports a PCN whose lead is an existing link worker, and a practice of that PCN', async () => {
    const response = await importDirectory({
      pcns: [{ odsCode: 'U99997', name: 'Led PCN', leadLinkWorkerId: SAMPLE.amira }],
      practices: [{ odsCode: 'Q99997', name: 'Led Surgery', pcnOdsCode: 'U99997' }],
    });
    expect(response.status).toBe(200);
    before = { ...before, pcn: before.pcn + 1, practice: before.practice + 1 };
  });
});
