import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  EventEnvelope,
  EventType,
  PlainReferralReceived,
  Sealer,
  ServiceName,
  createEvent,
  eventJobOptions,
  eventQueueName,
  loadEnvironment,
  producerConnection,
  sealReceivedPayload,
} from '@app/shared';
import { TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually } from '@app/shared/testing';
import { validateDirectoryDocument } from '../directory/directory-document';
import { DirectoryStore } from '../directory/directory.store';
import { NOTIFIER_SCHEMA, NotifierEnvironment } from '../environment';
import { createNotifierApp } from '../notifier-app';

/** Ids from apps/notifier/directory/sample-directory.json. */
export const SAMPLE = {
  amira: '62fb7cc0-9cce-53eb-a31b-a2766357496b',
  amiraEmail: 'amira.khan@linkworkers.example.nhs.uk',
  tom: 'f31e0337-20bd-51c3-a616-59f89de041fd',
  grace: 'aa678b25-b022-597a-b364-4135510cc1f4',
  daniel: 'de46bcad-981c-566e-a704-f88bad2e106a',
};

export const PATIENT = {
  nhsNumber: '9434765919',
  givenName: 'Margaret',
  familyName: 'Oyelaran',
  dateOfBirth: '1948-02-11',
  postcode: 'TS1 4AB',
  phone: '07700900999',
  email: 'margaret.oyelaran@example.com',
};

/** referral.received as intake holds it before sealing the person; receive() seals it as intake does. */
export function receivedPayload(overrides: Partial<PlainReferralReceived> = {}): PlainReferralReceived {
  return {
    practiceOdsCode: 'A81001',
    needs: ['loneliness'],
    urgency: 'routine',
    consentToShare: true,
    patient: { ...PATIENT },
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface NotifierHarness {
  app: NestFastifyApplication;
  env: NotifierEnvironment;
  url: string;
  dataSource: DataSource;
  database: TestDatabase;
  redis: TestRedis;
  mailDir: string;
  /** Puts a referral.received event on the notifier's queue, as intake's outbox relay would. */
  deliverEvent(envelope: EventEnvelope): Promise<string>;
  /** Waits until the event job finished (handled, or found already handled). */
  handled(jobId: string): Promise<void>;
  receive(payload?: PlainReferralReceived, referralId?: string): Promise<EventEnvelope<typeof EventType.ReferralReceived> & { jobId: string }>;
  outbox(type?: string): Promise<EventEnvelope[]>;
  close(): Promise<void>;
}

/** Starts the notifier in this process; pass infrastructure to share it with another instance (it is dropped on close). */
export async function startNotifier(
  label: string,
  overrides: Record<string, string> = {},
  infrastructure?: { database: TestDatabase; redis: TestRedis },
): Promise<NotifierHarness> {
  const database = infrastructure?.database ?? (await createTestDatabase(label));
  const redis = infrastructure?.redis ?? createTestRedisPrefix(label);
  const mailDir = mkdtempSync(join(tmpdir(), `notifier-mail-${label}-`));
  const port = await freePort();
  const env = loadEnvironment(NotifierEnvironment, {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: process.env.TEST_LOGS ? 'debug' : 'silent',
    MAIL_DIR: mailDir,
    DELIVERY_BACKOFF_MS: '50',
    DELIVERY_SWEEP_MS: '500',
    OUTBOX_POLL_MS: '50',
    EVENT_BACKOFF_MS: '50',
    ...overrides,
  });
  const app = await createNotifierApp(env);
  await app.listen(port, '127.0.0.1');
  const dataSource = app.get(DataSource);
  const connection = producerConnection(redis.url);
  const queue = new Queue(eventQueueName(ServiceName.Notifier), { connection, prefix: redis.prefix });

  const deliverEvent = async (envelope: EventEnvelope) => {
    const job = await queue.add(envelope.type, envelope, { ...eventJobOptions({ maxAttempts: 3, backoffMs: 50 }), jobId: `${envelope.id}.${crypto.randomUUID()}` });
    return job.id as string;
  };
  return {
    app,
    env,
    url: env.PUBLIC_BASE_URL,
    dataSource,
    database,
    redis,
    mailDir,
    deliverEvent,
    async handled(jobId: string) {
      await eventually(async () => (await queue.getJobState(jobId)) === 'completed');
    },
    async receive(payload = receivedPayload(), referralId = crypto.randomUUID()) {
      const sealed = sealReceivedPayload(new Sealer(env.EVENT_SEALING_KEY), referralId, payload);
      const envelope = createEvent({ type: EventType.ReferralReceived, referralId, correlationId: crypto.randomUUID(), source: ServiceName.ReferralIntake, payload: sealed });
      return { ...envelope, jobId: await deliverEvent(envelope) };
    },
    async outbox(type?: string) {
      const rows: Array<{ envelope: EventEnvelope }> = await dataSource.query(
        `SELECT "envelope" FROM "${NOTIFIER_SCHEMA}"."outbox" ${type ? 'WHERE "type" = $1' : ''} ORDER BY "seq"`,
        type ? [type] : [],
      );
      return rows.map((row) => row.envelope);
    },
    async close() {
      await app.close();
      await queue.close();
      connection.disconnect();
      await redis.cleanup();
      await database.drop();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}

let practiceCounter = 0;

/**
 * Adds a PCN of its own with one practice whose only link worker (and PCN lead) is the given contact, so
 * a referral from that practice for an unmatched need notifies exactly that one recipient.
 */
export async function addLoneLinkWorker(
  harness: NotifierHarness,
  contact: { email?: string; mobile?: string; channels: Array<'email' | 'sms'> },
): Promise<{ practiceOdsCode: string; linkWorkerId: string }> {
  practiceCounter += 1;
  const suffix = String(90000 + practiceCounter).slice(-5);
  const practiceOdsCode = `Z${suffix}`;
  const linkWorkerId = crypto.randomUUID();
  await harness.app.get(DirectoryStore).import(
    validateDirectoryDocument({
      pcns: [{ odsCode: `U${suffix}`, name: `Test PCN ${suffix}`, leadLinkWorkerId: linkWorkerId }],
      practices: [{ odsCode: practiceOdsCode, name: `Test Practice ${suffix}`, pcnOdsCode: `U${suffix}`, postcode: 'ZE1 0AA' }],
      linkWorkers: [{ id: linkWorkerId, name: `Test Worker ${suffix}`, ...contact, pcnOdsCodes: [`U${suffix}`], practiceOdsCodes: [practiceOdsCode] }],
    }),
  );
  return { practiceOdsCode, linkWorkerId };
}

/** A referral from a lone link worker's practice that no organisation can take (its area has none). */
export function loneReferral(practiceOdsCode: string): PlainReferralReceived {
  return receivedPayload({ practiceOdsCode, needs: ['bereavement'], patient: { ...PATIENT, postcode: 'ZE1 0AA' } });
}
