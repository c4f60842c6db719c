import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { EventPayloads, EventPublisher, EventType, EventTypeName, OutboxRelay, ServiceName, createServiceApp, createTransportTables, loadEnvironment } from '@app/shared';
import { TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually } from '@app/shared/testing';
import { INTAKE_SCHEMA, IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { createIntakeApp } from '../apps/referral-intake/src/intake-app';
import { JSON_REFERRAL_EXAMPLE } from '../apps/referral-intake/src/referrals/examples';
import { SenderStore } from '../apps/referral-intake/src/senders/sender.store';
import { OutcomesAppModule } from '../apps/outcomes/src/app.module';
import { OUTCOMES_SCHEMA, OutcomesEnvironment } from '../apps/outcomes/src/environment';

/**
 * Intake (which tells the GP) and outcomes (which tells commissioners) hear the same decisions and must
 * report the same status. The decisions are published as the notifier publishes them: through a notifier
 * outbox and relay onto every subscriber's queue.
 */
describe('journey: intake and outcomes agree on the referral status', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let relay: OutboxRelay;
  let notifierData: DataSource;
  const notifierEvents = new EventPublisher(ServiceName.Notifier, 'notifier');
  const apps: NestFastifyApplication[] = [];
  let intakeUrl = '';
  let sender: { id: string; secret: string };

  beforeAll(async () => {
    database = await createTestDatabase('lifecycle_agreement');
    redis = createTestRedisPrefix('lifecycle-agreement');
    const common = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, LOG_LEVEL: 'silent', OUTBOX_POLL_MS: '50', EVENT_BACKOFF_MS: '100' };
    const intake = await createIntakeApp(loadEnvironment(IntakeEnvironment, common));
    await intake.listen(0, '127.0.0.1');
    apps.push(intake);
    intakeUrl = `http://127.0.0.1:${(intake.getHttpServer().address() as AddressInfo).port}`;
    const outcomesEnv = loadEnvironment(OutcomesEnvironment, common);
    const outcomes = await createServiceApp({ module: OutcomesAppModule.forEnvironment(outcomesEnv), databaseUrl: outcomesEnv.DATABASE_URL, redisUrl: outcomesEnv.REDIS_URL, schemas: [OUTCOMES_SCHEMA] });
    await outcomes.init();
    apps.push(outcomes);
    notifierData = intake.get(DataSource);
    const runner = notifierData.createQueryRunner();
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "notifier"`);
    await createTransportTables(runner, 'notifier');
    await runner.release();
    relay = new OutboxRelay(notifierData, { service: ServiceName.Notifier, schema: 'notifier', redisUrl: redis.url, redisPrefix: redis.prefix, maxAttempts: 3, backoffMs: 20, outboxPollMs: 20, outboxRetentionHours: 24, sealingKey: intake.get(IntakeEnvironment).EVENT_SEALING_KEY });
    const registered = await new SenderStore(notifierData).register({ name: 'Lifecycle agreement GP system', practiceOdsCodes: [JSON_REFERRAL_EXAMPLE.practiceOdsCode] }, intake.get(IntakeEnvironment).SENDER_SECRET_KEY);
    sender = { id: registered.sender.id, secret: registered.secret };
  });

  afterAll(async () => {
    await relay?.stop();
    for (const app of apps.reverse()) await app.close();
    await redis?.cleanup();
    await database?.drop();
  });

  async function sendReferral(): Promise<{ referralId: string; receivedAt: number }> {
    const body = JSON.stringify({ ...JSON_REFERRAL_EXAMPLE, senderReferralId: `AGREE-${randomUUID()}` });
    const webhookId = `msg_${randomUUID()}`;
    const timestamp = new Date();
    const response = await fetch(`${intakeUrl}/v1/referrals`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sender-id': sender.id,
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': new Webhook(sender.secret).sign(webhookId, timestamp, body),
      },
      body,
    });
    expect(response.status).toBe(202);
    return { referralId: ((await response.json()) as { referralId: string }).referralId, receivedAt: Date.now() };
  }

  /** Publishes from the notifier's outbox, as its routing and decision pages do. */
  async function fromNotifier<T extends EventTypeName>(type: T, referralId: string, payload: EventPayloads[T], occurredAt: Date): Promise<void> {
    await notifierData.transaction((manager) => notifierEvents.publish(manager, type, { referralId, payload, occurredAt }));
    await relay.drain();
  }

  /** Both services' status once both have heard every event published for the referral. */
  async function statuses(referralId: string, events: number): Promise<{ intake: string; outcomes: string }> {
    return eventually(async () => {
      const [intake] = await notifierData.query(
        `SELECT r."status", (SELECT count(*)::int FROM "${INTAKE_SCHEMA}"."referral_history" h WHERE h."referral_id" = r."id") AS "heard" FROM "${INTAKE_SCHEMA}"."referral" r WHERE r."id" = $1`,
        [referralId],
      );
      const [outcomes] = await notifierData.query(
        `SELECT r."status", (SELECT count(*)::int FROM "${OUTCOMES_SCHEMA}"."outcome_event" e WHERE e."referral_id" = r."referral_id") AS "heard" FROM "${OUTCOMES_SCHEMA}"."referral" r WHERE r."referral_id" = $1`,
        [referralId],
      );
      // Outcomes also stores referral.received; intake keeps the referral itself.
      return intake?.heard === events && outcomes?.heard === events + 1 ? { intake: intake.status, outcomes: outcomes.status } : undefined;
    }, 30000);
  }

  const linkWorkerId = 'lw-agreement-1';
  const organisations = [randomUUID(), randomUUID(), randomUUID()];
  const tasks = organisations.map((recipientId) => ({ recipientType: 'organisation' as const, recipientId, reason: 'meets loneliness' }));
  const decided = (recipientType: 'organisation' | 'link-worker', recipientId: string, at: Date, reason?: string) => ({
    recipientType,
    recipientId,
    ...(recipientType === 'organisation' ? { organisationId: recipientId } : {}),
    decidedAt: at.toISOString(),
    ...(reason ? { reason } : {}),
  });

  it('keeps the referral accepted in both when one organisation accepts and another then declines', async () => {
    const { referralId, receivedAt } = await sendReferral();
    const at = (seconds: number) => new Date(receivedAt + seconds * 1000);
    await fromNotifier(EventType.ReferralRouted, referralId, { linkWorkerId, tasks }, at(1));
    await fromNotifier(EventType.ReferralAccepted, referralId, decided('organisation', organisations[0], at(2)), at(2));
    await fromNotifier(EventType.ReferralDeclined, referralId, decided('organisation', organisations[1], at(3), 'no-capacity'), at(3));
    expect(await statuses(referralId, 3)).toEqual({ intake: 'accepted', outcomes: 'accepted' });
  });

  it('reports declined in both only once every recipient offered has declined', async () => {
    const { referralId, receivedAt } = await sendReferral();
    const at = (seconds: number) => new Date(receivedAt + seconds * 1000);
    await fromNotifier(EventType.ReferralRouted, referralId, { linkWorkerId, tasks }, at(1));
    for (const [index, organisationId] of organisations.entries()) {
      await fromNotifier(EventType.ReferralDeclined, referralId, decided('organisation', organisationId, at(2 + index), 'no-capacity'), at(2 + index));
    }
    expect(await statuses(referralId, 4)).toEqual({ intake: 'routed', outcomes: 'routed' });
    await fromNotifier(EventType.ReferralDeclined, referralId, decided('link-worker', linkWorkerId, at(6), 'not-eligible'), at(6));
    expect(await statuses(referralId, 5)).toEqual({ intake: 'declined', outcomes: 'declined' });
  });
});
