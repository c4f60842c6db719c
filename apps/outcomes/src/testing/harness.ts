import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  EventEnvelope,
  EventPayloads,
  EventType,
  EventTypeName,
  BaseEnvironment,
  PlainReferralReceived,
  ReferralPerson,
  Sealer,
  sealReceivedPayload,
  ServiceName,
  createEvent,
  eventJobOptions,
  eventQueueName,
  loadEnvironment,
  producerConnection,
} from '@app/shared';
import { TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually } from '@app/shared/testing';
import { Commissioner } from '../commissioners/commissioner';
import { CommissionerLens } from '../commissioners/commissioner-lens';
import { DEV_PSEUDONYM_MASTER_KEY, OutcomesEnvironment } from '../environment';
import { Secrets } from '../privacy/secrets';
import { createOutcomesApp } from '../outcomes-app';
import { LifecycleStore } from '../lifecycle/lifecycle.store';

/** The outcomes service on a database and Redis prefix of its own, consuming its real queue. */
export interface OutcomesHarness {
  app: NestFastifyApplication;
  dataSource: DataSource;
  env: OutcomesEnvironment;
  database: TestDatabase;
  redis: TestRedis;
  /** Puts envelopes on the outcomes queue the way the outbox relay does (job id = event id). */
  deliver(...envelopes: EventEnvelope[]): Promise<void>;
  /** Delivers an envelope again under a fresh job id (as a replay or a relay crash would) and waits until it was handled. */
  redeliver(envelope: EventEnvelope): Promise<void>;
  request(options: { method?: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: unknown }): Promise<{
    statusCode: number;
    headers: Record<string, string | string[] | number | undefined>;
    body: string;
    json<T = any>(): T;
  }>;
  close(): Promise<void>;
}

export async function startOutcomes(label: string, overrides: Record<string, string> = {}): Promise<OutcomesHarness> {
  const database = await createTestDatabase(label);
  const redis = createTestRedisPrefix(label);
  const env = loadEnvironment(OutcomesEnvironment, {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: process.env.TEST_LOGS ? 'debug' : 'silent',
    EVENT_BACKOFF_MS: '20',
    EVENT_MAX_ATTEMPTS: '3',
    OUTBOX_POLL_MS: '20',
    ...overrides,
  });
  const app = await createOutcomesApp(env);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const connection = producerConnection(redis.url);
  const queue = new Queue(eventQueueName(ServiceName.Outcomes), { connection, prefix: redis.prefix });
  return {
    app,
    dataSource: app.get(DataSource),
    env,
    database,
    redis,
    deliver: async (...envelopes) => {
      await queue.addBulk(envelopes.map((envelope) => ({ name: envelope.type, data: envelope, opts: { ...eventJobOptions({ maxAttempts: env.EVENT_MAX_ATTEMPTS, backoffMs: env.EVENT_BACKOFF_MS }), jobId: envelope.id } })));
    },
    redeliver: async (envelope) => {
      const job = await queue.add(envelope.type, envelope, { jobId: `${envelope.id}.again.${randomUUID()}` });
      await eventually(async () => (await job.isCompleted()) || (await job.isFailed()));
    },
    request: async ({ method = 'GET', url, headers = {}, payload }) => {
      const response = await app.getHttpAdapter().getInstance().inject({ method, url, headers, payload: payload as never });
      return { statusCode: response.statusCode, headers: response.headers, body: response.body, json: () => JSON.parse(response.body) };
    },
    close: async () => {
      await queue.close();
      connection.disconnect();
      await app.close();
      await database.drop();
      await redis.cleanup();
    },
  };
}

export const SAMPLE_NHS_NUMBER = '9434765919';

export const SAMPLE_PATIENT: ReferralPerson['patient'] = {
  nhsNumber: SAMPLE_NHS_NUMBER,
  givenName: 'Margaret',
  familyName: 'Oyelaran',
  dateOfBirth: '1948-02-11',
  sex: 'female',
  postcode: 'TS1 2AA',
  phone: '07700900123',
  email: 'margaret@example.com',
};

/** A referral.received as intake publishes it: the person sealed with the (development) EVENT_SEALING_KEY the harness runs with. */
export function receivedEvent(overrides: Partial<PlainReferralReceived> & { referralId?: string; occurredAt?: Date } = {}): EventEnvelope<typeof EventType.ReferralReceived> {
  const { referralId = randomUUID(), occurredAt = new Date('2026-11-02T09:00:00Z'), ...payload } = overrides;
  return createEvent({
    type: EventType.ReferralReceived,
    referralId,
    correlationId: randomUUID(),
    source: ServiceName.ReferralIntake,
    occurredAt,
    payload: sealReceivedPayload(new Sealer(new BaseEnvironment().EVENT_SEALING_KEY), referralId, {
      practiceOdsCode: 'A81001',
      needs: ['loneliness'],
      urgency: 'routine',
      consentToShare: true,
      patient: SAMPLE_PATIENT,
      receivedAt: occurredAt.toISOString(),
      ...payload,
    }),
  });
}

export function followUp<T extends EventTypeName>(type: T, referralId: string, payload: EventPayloads[T], occurredAt: Date): EventEnvelope<T> {
  return createEvent({ type, referralId, correlationId: randomUUID(), source: 'test', occurredAt, payload });
}

/** Stores events straight into the event store (as the consumer would, the referral locked), for tests that need many referrals fast. */
export async function ingestDirectly(outcomes: OutcomesHarness, ...envelopes: EventEnvelope[]): Promise<void> {
  const store = outcomes.app.get(LifecycleStore);
  for (const envelope of envelopes) {
    await outcomes.dataSource.transaction(async (manager) => {
      await store.lockReferral(manager, envelope.referralId);
      await store.ingest(manager, envelope);
    });
  }
}

/**
 * A commissioner's view for tests: e.g. lens.referralRef(referralId) finds a known referral's rows in that
 * commissioner's feed. Pass the service's PSEUDONYM_MASTER_KEY when it is not the default.
 */
export function commissionerLens(commissioner: Commissioner, masterKey: string = DEV_PSEUDONYM_MASTER_KEY): CommissionerLens {
  return new CommissionerLens(new Secrets(masterKey), commissioner);
}
