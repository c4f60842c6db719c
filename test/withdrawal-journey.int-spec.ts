import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '@app/shared';
import { TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually } from '@app/shared/testing';
import { CommissionerStore } from '../apps/outcomes/src/commissioners/commissioner.store';
import { OUTCOMES_SCHEMA, OutcomesEnvironment } from '../apps/outcomes/src/environment';
import { createOutcomesApp } from '../apps/outcomes/src/outcomes-app';
import { INTAKE_SCHEMA, IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { createIntakeApp } from '../apps/referral-intake/src/intake-app';
import { JSON_REFERRAL_EXAMPLE } from '../apps/referral-intake/src/referrals/examples';
import { SenderStore } from '../apps/referral-intake/src/senders/sender.store';
import { signRequest } from '../apps/referral-intake/src/senders/signing';
import { CallbackReceiver } from '../apps/referral-intake/src/testing/callback-receiver';

/**
 * A GP system cancels one referral and records a consent withdrawal for another, across intake and
 * outcomes sharing one database and Redis as deployed: outcomes records the cancellation, the GP system is
 * told, and once consent is withdrawn the person's details are gone from both, the pseudonymised record kept.
 */
describe('journey: cancel and withdraw consent, intake → outcomes → GP callback', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let receiver: CallbackReceiver;
  const apps: NestFastifyApplication[] = [];
  let intakeUrl = '';
  let outcomesUrl = '';
  let sender: { id: string; secret: string };
  let apiKey = '';

  async function listen(app: NestFastifyApplication): Promise<string> {
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    database = await createTestDatabase('withdrawal_journey');
    redis = createTestRedisPrefix('withdrawal_journey');
    receiver = new CallbackReceiver();
    await receiver.start();
    const common = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, LOG_LEVEL: 'silent', OUTBOX_POLL_MS: '50', EVENT_BACKOFF_MS: '100', CALLBACK_BACKOFF_MS: '100' };
    const intakeEnv = loadEnvironment(IntakeEnvironment, common);
    intakeUrl = await listen(await createIntakeApp(intakeEnv));
    outcomesUrl = await listen(await createOutcomesApp(loadEnvironment(OutcomesEnvironment, common)));
    const registered = await new SenderStore(apps[0].get(DataSource)).register({ name: 'EMIS Web (withdrawals)', practiceOdsCodes: ['A81001'], callbackUrl: receiver.url }, intakeEnv.SENDER_SECRET_KEY);
    sender = { id: registered.sender.id, secret: registered.secret };
    ({ apiKey } = await new CommissionerStore(apps[1].get(DataSource)).register({ name: 'Test ICB', scope: { level: 'practice', codes: ['A81001'] } }));
  }, 120_000);

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await receiver?.stop();
    await database?.drop();
    await redis?.cleanup();
  });

  async function send(path: string, body: object): Promise<Response> {
    const signed = signRequest({ senderId: sender.id, secrets: [sender.secret], body });
    return fetch(`${intakeUrl}${path}`, { method: 'POST', headers: signed.headers, body: signed.body });
  }

  async function refer(): Promise<string> {
    const response = await send('/v1/referrals', { ...JSON_REFERRAL_EXAMPLE, practiceOdsCode: 'A81001', senderReferralId: `EMIS-${randomUUID()}` });
    expect(response.status).toBe(202);
    const { referralId } = (await response.json()) as { referralId: string };
    await eventually(async () => (await apps[1].get(DataSource).query(`SELECT 1 FROM "${OUTCOMES_SCHEMA}"."referral_identity" WHERE "referral_id" = $1`, [referralId])).length === 1, 30_000);
    return referralId;
  }

  it('a cancellation reaches outcomes (its projection and the feed, without the free text) and the GP callback', async () => {
    const referralId = await refer();
    const cancelled = await send(`/v1/referrals/${referralId}:cancel`, { reason: 'patient-moved', reasonText: 'Moved to Margaret’s daughter in York' });
    expect(cancelled.status).toBe(202);
    const [projected] = await eventually(async () => {
      const rows = await apps[1].get(DataSource).query(`SELECT "status" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [referralId]);
      return rows[0]?.status === 'cancelled' ? rows : undefined;
    }, 30_000);
    expect(projected.status).toBe('cancelled');
    const callback = await eventually(() => receiver.forReferral(referralId).find((request) => JSON.parse(request.body).data.status === 'cancelled'), 30_000);
    expect(JSON.parse(callback.body).data).toMatchObject({ referralId, status: 'cancelled', reason: 'patient-moved' });
    const rows = await eventually(async () => {
      const feed = await fetch(`${outcomesUrl}/v1/feeds/outcomes?type=referral.cancelled&limit=500`, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' } });
      const current = ((await feed.json()) as { items: Array<Record<string, unknown>> }).items;
      return current.length > 0 ? current : undefined;
    }, 30_000);
    expect(JSON.stringify(rows)).not.toContain('York');
  });

  it("consent withdrawn: the person's details leave intake and outcomes; the pseudonymised record stays, unlinked", async () => {
    const referralId = await refer();
    const withdrawn = await send(`/v1/referrals/${referralId}:withdraw-consent`, {});
    expect(withdrawn.status).toBe(202);
    const [intakeRow] = await apps[0].get(DataSource).query(`SELECT "patient", "notes" FROM "${INTAKE_SCHEMA}"."referral" WHERE "id" = $1`, [referralId]);
    expect(intakeRow).toEqual({ patient: null, notes: null });
    const outcomes = apps[1].get(DataSource);
    await eventually(async () => (await outcomes.query(`SELECT 1 FROM "${OUTCOMES_SCHEMA}"."referral_identity" WHERE "referral_id" = $1`, [referralId])).length === 0, 30_000);
    const [kept] = await eventually(async () => {
      const rows = await outcomes.query(`SELECT "status", "age_band", "postcode_district", "practice_ods_code" FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [referralId]);
      return rows[0]?.status === 'consent-withdrawn' ? rows : undefined;
    }, 30_000);
    expect(kept).toMatchObject({ age_band: expect.any(String), postcode_district: 'LS6', practice_ods_code: 'A81001' });
    const everything = JSON.stringify([
      await apps[0].get(DataSource).query(`SELECT * FROM "${INTAKE_SCHEMA}"."referral" WHERE "id" = $1`, [referralId]),
      await apps[0].get(DataSource).query(`SELECT "envelope" FROM "${INTAKE_SCHEMA}"."outbox" WHERE "envelope"->>'referralId' = $1`, [referralId]),
      await outcomes.query(`SELECT * FROM "${OUTCOMES_SCHEMA}"."outcome_event" WHERE "referral_id" = $1`, [referralId]),
      await outcomes.query(`SELECT * FROM "${OUTCOMES_SCHEMA}"."referral" WHERE "referral_id" = $1`, [referralId]),
    ]);
    for (const value of ['9434765919', 'Margaret', 'Oyelaran', '1948-02-11', 'LS6 2QT', '07700900123', 'margaret@example.com', 'Widowed']) {
      expect(everything).not.toContain(value);
    }
  });
});
