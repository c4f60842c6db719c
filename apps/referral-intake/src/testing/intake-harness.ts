import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { EventEnvelope, EventPayloads, EventPublisher, EventTypeName, loadEnvironment } from '@app/shared';
import { TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix } from '@app/shared/testing';
import { INTAKE_SCHEMA, IntakeEnvironment } from '../environment';
import { createIntakeApp } from '../intake-app';
import { RegisterSenderInput } from '../senders/senders';
import { SenderStore } from '../senders/sender.store';
import { signRequest } from '../senders/signing';

/** fetch's Response, with the JSON body typed loosely for assertions. */
export type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface SignedRequestOptions {
  method?: 'GET' | 'POST';
  body?: string | object;
  contentType?: string;
  senderId?: string;
  secrets?: string[];
  webhookId?: string;
  timestamp?: Date;
  headers?: Record<string, string>;
}

/** A registered sender, as tests hold it. */
export interface TestSender {
  id: string;
  secret: string;
}

export interface IntakeHarness {
  app: NestFastifyApplication;
  env: IntakeEnvironment;
  baseUrl: string;
  dataSource: DataSource;
  database: TestDatabase;
  redis: TestRedis;
  addSender(input?: Partial<RegisterSenderInput>): Promise<TestSender>;
  send(path: string, options: SignedRequestOptions & { senderId: string; secrets: string[] }): Promise<JsonResponse>;
  /** A request signed as this sender. */
  sendAs(sender: TestSender, path: string, options?: SignedRequestOptions): Promise<JsonResponse>;
  /** Publishes as the other services do: an outbox row, relayed to every subscriber's queue (intake's own consumers included). */
  publish<T extends EventTypeName>(type: T, referralId: string, payload: EventPayloads[T], occurredAt?: Date): Promise<EventEnvelope<T>>;
  counts(): Promise<{ referrals: number; outbox: number; keys: number }>;
  close(): Promise<void>;
}

/** Boots the real intake app (createIntakeApp) on its own database and Redis prefix, listening on a free port. */
export async function startIntake(label: string, { DATABASE_VIA_PORT, ...overrides }: Record<string, string> = {}): Promise<IntakeHarness> {
  const database = await createTestDatabase(label);
  const redis = createTestRedisPrefix(label);
  const databaseUrl = new URL(database.url);
  // DATABASE_VIA_PORT: reach PostgreSQL through another port (a proxy the test can cut).
  if (DATABASE_VIA_PORT) databaseUrl.port = DATABASE_VIA_PORT;
  const env = loadEnvironment(IntakeEnvironment, {
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: process.env.TEST_LOGS ? 'debug' : 'silent',
    OUTBOX_POLL_MS: '50',
    EVENT_BACKOFF_MS: '50',
    ...overrides,
  });
  const app = await createIntakeApp(env);
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const dataSource = app.get(DataSource);
  const harness: IntakeHarness = {
    app,
    env,
    baseUrl,
    dataSource,
    database,
    redis,
    async addSender(input = {}) {
      const { sender, secret } = await new SenderStore(dataSource).register({ name: 'Test GP system', practiceOdsCodes: ['A81001', 'B86016', 'Y02345'], ...input },
        env.SENDER_SECRET_KEY,
      );
      return { id: sender.id, secret };
    },
    async send(path, options) {
      const method = options.method ?? 'POST';
      const signed = signRequest({ ...options, body: method === 'GET' ? undefined : (options.body ?? {}) });
      return fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...signed.headers, ...options.headers },
        ...(method === 'POST' ? { body: signed.body } : {}),
      }) as Promise<JsonResponse>;
    },
    sendAs(sender, path, options = {}) {
      return harness.send(path, { ...options, senderId: sender.id, secrets: [sender.secret] });
    },
    publish(type, referralId, payload, occurredAt) {
      const publisher = app.get(EventPublisher);
      return dataSource.transaction((manager) => publisher.publish(manager, type, { referralId, payload, ...(occurredAt ? { occurredAt } : {}) }));
    },
    async counts() {
      const [row] = await dataSource.query(
        `SELECT (SELECT count(*) FROM "${INTAKE_SCHEMA}"."referral")::int AS referrals, (SELECT count(*) FROM "${INTAKE_SCHEMA}"."outbox")::int AS outbox,
                (SELECT count(*) FROM "${INTAKE_SCHEMA}"."idempotency_key")::int AS keys`,
      );
      return row;
    },
    async close() {
      await app.close();
      await database.drop();
      await redis.cleanup();
    },
  };
  return harness;
}
