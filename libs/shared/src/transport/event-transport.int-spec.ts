import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Queue, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { Sealer } from '../crypto/sealing';
import { EventEnvelope, EventType, ServiceName, eventQueueName, sealReceivedPayload } from '../events';
import { ProblemDetailsFilter } from '../http/problem-details';
import { TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually } from '../testing';
import { DeadLetterStore } from './dead-letters';
import { EventContext } from './event-context';
import { EventPublisher } from './event-publisher';
import { BullMqEventServer, GROUPS_IN_FLIGHT } from './event-server';
import { EventTransportModule, connectEventConsumer } from './event-transport.module';
import { OutboxReconciler } from './outbox-reconciler';
import { OutboxRelay } from './outbox-relay';
import { lockReferral } from './referral-lock';
import { producerConnection } from './redis-connections';
import { EventTransportOptions } from './transport-options';
import { createTransportTables } from './transport-tables';

const SCHEMAS = { intake: 'intake', notifier: 'notifier', outcomes: 'outcomes' };

const closers: Array<() => Promise<unknown> | unknown> = [];

/** Relays made by the running test: stopped after it whatever happened, so none relays into the next test. */
const relays: OutboxRelay[] = [];

/** A relay for one test, or (`'suite'`) for a describe's beforeAll, stopped after all tests. */
function relayFor(options: Partial<EventTransportOptions> = {}, lifetime: 'test' | 'suite' = 'test'): OutboxRelay {
  const relay = new OutboxRelay(dataSource, transportOptions(ServiceName.ReferralIntake, SCHEMAS.intake, options));
  if (lifetime === 'test') relays.push(relay);
  else closers.push(() => relay.stop());
  return relay;
}

function queueOf(service: string): Queue {
  const connection = producerConnection(redis.url);
  const queue = new Queue(eventQueueName(service), { connection, prefix: redis.prefix });
  closers.push(async () => {
    await queue.close();
    connection.disconnect();
  });
  return queue;
}

const SEALING_KEY = Buffer.alloc(32, 3).toString('base64');

let database: TestDatabase;
let redis: TestRedis;
let dataSource: DataSource;

function transportOptions(service: string, schema: string, overrides: Partial<EventTransportOptions> = {}): EventTransportOptions {
  return {
    service,
    schema,
    redisUrl: redis.url,
    redisPrefix: redis.prefix,
    maxAttempts: 3,
    backoffMs: 20,
    outboxPollMs: 20,
    sealingKey: SEALING_KEY,
    outboxRetentionHours: 24,
    ...overrides,
  };
}

async function publishReceived(publisher: EventPublisher, referralId: string = crypto.randomUUID()): Promise<EventEnvelope> {
  return dataSource.transaction(async (manager) => {
    await manager.query(`INSERT INTO "intake"."effect" ("referral_id", "kind") VALUES ($1, 'stored')`, [referralId]);
    return publisher.publish(manager, EventType.ReferralReceived, {
      referralId,
      correlationId: 'corr-test-0001',
      payload: sealReceivedPayload(new Sealer(SEALING_KEY), referralId, {
        practiceOdsCode: 'A81001',
        needs: ['loneliness'],
        urgency: 'routine',
        consentToShare: true,
        patient: { nhsNumber: '9434765919', givenName: 'Test', familyName: 'Patient', dateOfBirth: '1950-01-01' },
        receivedAt: new Date().toISOString(),
      }),
    });
  });
}

async function effects(schema: string): Promise<Array<{ referral_id: string; kind: string }>> {
  return dataSource.query(`SELECT "referral_id", "kind" FROM "${schema}"."effect" ORDER BY "id"`);
}

beforeAll(async () => {
  database = await createTestDatabase('transport');
  redis = createTestRedisPrefix('transport');
  dataSource = new DataSource({ type: 'postgres', url: database.url });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  for (const schema of Object.values(SCHEMAS)) {
    await runner.query(`CREATE SCHEMA "${schema}"`);
    await createTransportTables(runner, schema);
    await runner.query(`CREATE TABLE "${schema}"."effect" ("id" bigserial PRIMARY KEY, "referral_id" uuid NOT NULL, "kind" text NOT NULL)`);
  }
  await runner.release();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await dataSource?.destroy();
  await redis?.cleanup();
  await database?.drop();
});

afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.stop();
  for (const service of Object.values(ServiceName)) await queueOf(service).obliterate({ force: true });
  for (const schema of Object.values(SCHEMAS)) {
    await dataSource.query(`TRUNCATE "${schema}"."effect", "${schema}"."outbox", "${schema}"."inbox", "${schema}"."dead_letter"`);
  }
});

describe('EventPublisher', () => {
  it('refuses to publish outside a transaction, because the event would not be tied to the state change', async () => {
    const publisher = new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake);
    await expect(
      publisher.publish(dataSource.manager, EventType.ReferralReceived, { referralId: crypto.randomUUID(), payload: {} as never }),
    ).rejects.toThrow(/inside a database transaction/);
  });

  it('stores nothing when the transaction rolls back', async () => {
    const publisher = new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake);
    await expect(
      dataSource.transaction(async (manager) => {
        await publisher.publish(manager, EventType.ReferralReceived, { referralId: crypto.randomUUID(), payload: {} as never });
        throw new Error('validation failed later');
      }),
    ).rejects.toThrow('validation failed later');
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM "intake"."outbox"`);
    expect(count).toBe(0);
  });
});

describe('outbox → queue → handler', () => {
  let relay: OutboxRelay;
  let notifier: BullMqEventServer;
  let outcomes: BullMqEventServer;
  const handled: Record<string, EventEnvelope[]> = { notifier: [], outcomes: [] };

  function consumer(service: string, schema: string): BullMqEventServer {
    const server = new BullMqEventServer(dataSource, transportOptions(service, schema));
    server.addHandler(
      EventType.ReferralReceived,
      async (event: EventEnvelope, context: EventContext) => {
        await context.manager.query(`INSERT INTO "${schema}"."effect" ("referral_id", "kind") VALUES ($1, 'handled')`, [event.referralId]);
        handled[service].push(event);
      },
      true,
    );
    server.listen(() => undefined);
    return server;
  }

  beforeAll(() => {
    relay = relayFor({}, 'suite');
    notifier = consumer(ServiceName.Notifier, SCHEMAS.notifier);
    outcomes = consumer(ServiceName.Outcomes, SCHEMAS.outcomes);
  });

  afterAll(async () => {
    await notifier.close();
    await outcomes.close();
  });

  it('fans one committed event out to every subscriber, each in its own queue, exactly once', async () => {
    const publisher = new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake);
    const event = await publishReceived(publisher);
    expect(await relay.drain()).toBe(1);
    expect(await relay.pendingCount()).toBe(0);

    await eventually(async () => (await effects('notifier')).length === 1 && (await effects('outcomes')).length === 1);
    expect(handled.notifier.map((e) => e.id)).toEqual([event.id]);
    expect(handled.outcomes.map((e) => e.id)).toEqual([event.id]);
    expect(handled.notifier[0]).toMatchObject({ type: 'referral.received', version: 2, correlationId: 'corr-test-0001', source: 'referral-intake' });
    const inbox = await dataSource.query(`SELECT "consumer", "event_id" FROM "notifier"."inbox"`);
    expect(inbox).toEqual([{ consumer: 'notifier', event_id: event.id }]);
  });

  it('relaying the same outbox row twice makes one job, because the job id is the event id', async () => {
    const publisher = new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake);
    const event = await publishReceived(publisher);
    await relay.drain();
    await dataSource.query(`UPDATE "intake"."outbox" SET "published_at" = NULL WHERE "id" = $1`, [event.id]);
    await relay.drain();
    await eventually(async () => (await effects('notifier')).length === 1);
    const job = await queueOf(ServiceName.Notifier).getJob(event.id);
    expect(job?.id).toBe(event.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await effects('notifier')).toHaveLength(1);
  });

  it('a redelivered event changes nothing', async () => {
    const publisher = new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake);
    const event = await publishReceived(publisher);
    await relay.drain();
    await eventually(async () => (await effects('notifier')).length === 1);

    const redelivery = await queueOf(ServiceName.Notifier).add(event.type, event, { jobId: `${event.id}-redelivered` });
    await eventually(async () => (await redelivery.getState()) === 'completed');

    expect(await effects('notifier')).toHaveLength(1);
  });
});

describe('relay woken on commit', () => {
  const waitingCount = async () => Number((await dataSource.query(`SELECT count(*)::int AS "n" FROM "intake"."outbox" WHERE "published_at" IS NULL`))[0].n);

  it('relays an event as soon as its transaction commits, long before the next poll', async () => {
    const relay = relayFor({ outboxPollMs: 60_000 });
    relay.start();
    // The first poll runs at start; after it only a notification can wake the relay within a minute.
    await eventually(async () => (await dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE "datname" = current_database() AND "query" LIKE 'LISTEN "intake_outbox"%'`)).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await publishReceived(new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake));
    // Not a speed target (those are in the bench): well inside the minute, only a notification explains it.
    await eventually(async () => (await waitingCount()) === 0, 30_000);
    expect(Date.now() - started).toBeLessThan(30_000);
    await relay.stop();
  });

  it('still relays by polling when its listening connection is lost, and listens again', async () => {
    const relay = relayFor({ outboxPollMs: 100 });
    relay.start();
    const listening = async () => (await dataSource.query(`SELECT "pid" FROM pg_stat_activity WHERE "datname" = current_database() AND "query" LIKE 'LISTEN "intake_outbox"%'`)) as Array<{ pid: number }>;
    await eventually(async () => (await listening()).length === 1);
    const [{ pid }] = await listening();
    await dataSource.query(`SELECT pg_terminate_backend($1)`, [pid]);
    await publishReceived(new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake));
    await eventually(async () => (await waitingCount()) === 0, 20_000);
    await eventually(async () => (await listening()).some((row) => row.pid !== pid), 20_000);
    await relay.stop();
  });
});

describe('outbox retention', () => {
  it('deletes published rows older than the retention period, and never a row still waiting', async () => {
    const relay = relayFor({ outboxRetentionHours: 24 });
    const publisher = new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake);
    const old = await publishReceived(publisher);
    const recent = await publishReceived(publisher);
    await relay.drain();
    const waiting = await publishReceived(publisher);
    await dataSource.query(`UPDATE "intake"."outbox" SET "published_at" = now() - interval '25 hours', "created_at" = now() - interval '26 hours' WHERE "id" = $1`, [old.id]);
    await dataSource.query(`UPDATE "intake"."outbox" SET "created_at" = now() - interval '30 days' WHERE "id" = $1`, [waiting.id]);
    expect(await relay.purgePublished()).toBe(1);
    const left = (await dataSource.query(`SELECT "id" FROM "intake"."outbox"`)).map((row: { id: string }) => row.id);
    expect(left).not.toContain(old.id);
    expect(left).toEqual(expect.arrayContaining([recent.id, waiting.id]));
  });
});

describe('failures', () => {
  it('retries a failing handler with backoff, then succeeds with its effects written once', async () => {
    let calls = 0;
    const server = new BullMqEventServer(dataSource, transportOptions(ServiceName.Notifier, SCHEMAS.notifier));
    server.addHandler(
      EventType.ReferralReceived,
      async (event: EventEnvelope, context: EventContext) => {
        calls += 1;
        await context.manager.query(`INSERT INTO "notifier"."effect" ("referral_id", "kind") VALUES ($1, 'attempt')`, [event.referralId]);
        if (calls < 3) throw new Error('SMTP connection refused');
      },
      true,
    );
    server.listen(() => undefined);
    const relay = relayFor();
    const event = await publishReceived(new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake));
    await relay.drain();

    await eventually(async () => (await effects('notifier')).length === 1);
    expect(calls).toBe(3);
    expect(await effects('notifier')).toEqual([{ referral_id: event.referralId, kind: 'attempt' }]);
    expect(await new DeadLetterStore(dataSource, transportOptions(ServiceName.Notifier, SCHEMAS.notifier)).list()).toEqual([]);
    await server.close();
  });

  it('dead-letters an UnrecoverableError at once, and a replay after the fix takes effect once', async () => {
    let broken = true;
    let calls = 0;
    const options = transportOptions(ServiceName.Notifier, SCHEMAS.notifier, { maxAttempts: 5 });
    const server = new BullMqEventServer(dataSource, options);
    server.addHandler(
      EventType.ReferralReceived,
      async (event: EventEnvelope, context: EventContext) => {
        calls += 1;
        if (broken) throw new UnrecoverableError('no link worker covers practice');
        await context.manager.query(`INSERT INTO "notifier"."effect" ("referral_id", "kind") VALUES ($1, 'handled')`, [event.referralId]);
      },
      true,
    );
    server.listen(() => undefined);
    const relay = relayFor();
    const event = await publishReceived(new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake));
    await relay.drain();

    const deadLetters = new DeadLetterStore(dataSource, options);
    const [letter] = await eventually(async () => {
      const open = await deadLetters.list();
      return open.length === 1 ? open : undefined;
    });
    expect(calls).toBe(1);
    expect(letter).toMatchObject({ eventId: event.id, eventType: 'referral.received', attempts: 1, consumer: 'notifier' });
    expect(letter.error).toContain('no link worker covers practice');
    expect(await effects('notifier')).toEqual([]);
    // The letter keeps the whole envelope sealed: nothing of the person, nor the event's own payload, in clear.
    const [row] = await dataSource.query(`SELECT "envelope" FROM "notifier"."dead_letter" WHERE "id" = $1`, [letter.id]);
    expect(Sealer.isSealed(row.envelope)).toBe(true);
    expect(JSON.stringify(row)).not.toContain('A81001');
    const [outboxRow] = await dataSource.query(`SELECT "envelope" FROM "intake"."outbox" WHERE "id" = $1`, [event.id]);
    for (const value of ['9434765919', 'Patient', '1950-01-01']) expect(JSON.stringify(outboxRow)).not.toContain(value);

    broken = false;
    await deadLetters.replay(letter.id);
    await eventually(async () => (await effects('notifier')).length === 1);
    expect(await deadLetters.list()).toEqual([]);
    await expect(deadLetters.replay(letter.id)).rejects.toThrow(/No open dead letter/);
    await server.close();
  });

  it('dead-letters after the last attempt of a transient failure', async () => {
    const options = transportOptions(ServiceName.Notifier, SCHEMAS.notifier, { maxAttempts: 2 });
    const server = new BullMqEventServer(dataSource, options);
    let calls = 0;
    server.addHandler(
      EventType.ReferralReceived,
      async () => {
        calls += 1;
        throw new Error('still down');
      },
      true,
    );
    server.listen(() => undefined);
    const relay = relayFor({ maxAttempts: 2 });
    await publishReceived(new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake));
    await relay.drain();
    const deadLetters = new DeadLetterStore(dataSource, options);
    const [letter] = await eventually(async () => {
      const open = await deadLetters.list();
      return open.length === 1 ? open : undefined;
    });
    expect(letter.attempts).toBe(2);
    expect(calls).toBe(2);
    await server.close();
  });

  it('does not dead-letter an event whose last attempt lost its PostgreSQL connection, though PostgreSQL answers again at once: the reconciler runs it again', async () => {
    const options = transportOptions(ServiceName.Notifier, SCHEMAS.notifier, { maxAttempts: 2 });
    const server = new BullMqEventServer(dataSource, options);
    let connectionLost = true;
    let calls = 0;
    server.addHandler(
      EventType.ReferralReceived,
      async (event: EventEnvelope, context: EventContext) => {
        calls += 1;
        if (connectionLost) {
          // The transaction's own backend is ended (as when PostgreSQL restarts or the network drops it), and
          // the call returns once it has; the server stays up, so a dead letter could be written the moment after.
          const [{ pid }] = await context.manager.query(`SELECT pg_backend_pid() AS "pid"`);
          await dataSource.query(`SELECT pg_terminate_backend($1, 5000)`, [pid]);
        }
        await context.manager.query(`INSERT INTO "notifier"."effect" ("referral_id", "kind") VALUES ($1, 'handled')`, [event.referralId]);
      },
      true,
    );
    server.listen(() => undefined);
    try {
      const relay = relayFor({ maxAttempts: 2 });
      const event = await publishReceived(new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake));
      await relay.drain();
      const queue = queueOf(ServiceName.Notifier);
      await eventually(async () => (await queue.getJobState(event.id)) === 'failed');
      expect(calls).toBe(2);
      expect((await new DeadLetterStore(dataSource, options).list()).map((letter) => letter.error)).toEqual([]);

      connectionLost = false;
      const reconciler = new OutboxReconciler(dataSource, transportOptions(ServiceName.ReferralIntake, SCHEMAS.intake, { maxAttempts: 2, reconcileGraceMs: 0 }));
      closers.push(() => reconciler.stop());
      expect(await reconciler.reconcile()).toMatchObject({ revived: 1, republished: 0 });
      await eventually(async () => (await effects('notifier')).length === 1);
      expect(await effects('notifier')).toEqual([{ referral_id: event.referralId, kind: 'handled' }]);
      expect(calls).toBe(3);
    } finally {
      await server.close();
    }
  });
});

describe('Redis outage', () => {
  let redisProcess: ChildProcess | undefined;
  let port: number;

  async function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: chosen } = server.address() as { port: number };
        server.close(() => resolve(chosen));
      });
    });
  }

  async function startRedis(): Promise<void> {
    redisProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = producerConnection(`redis://127.0.0.1:${port}`);
    await eventually(async () => (await probe.ping()) === 'PONG');
    probe.disconnect();
  }

  async function stopRedis(): Promise<void> {
    const exited = new Promise((resolve) => redisProcess?.once('exit', resolve));
    redisProcess?.kill('SIGKILL');
    await exited;
  }

  afterAll(async () => {
    if (redisProcess && redisProcess.exitCode === null && redisProcess.signalCode === null) await stopRedis();
  });

  it('keeps events waiting in Postgres while Redis is down, and the relay catches up when it returns', async () => {
    port = await freePort();
    await startRedis();
    const ownRedis = `redis://127.0.0.1:${port}`;
    const relay = relayFor({ redisUrl: ownRedis });
    const server = new BullMqEventServer(dataSource, transportOptions(ServiceName.Outcomes, SCHEMAS.outcomes, { redisUrl: ownRedis }));
    server.addHandler(
      EventType.ReferralReceived,
      async (event: EventEnvelope, context: EventContext) => {
        await context.manager.query(`INSERT INTO "outcomes"."effect" ("referral_id", "kind") VALUES ($1, 'handled')`, [event.referralId]);
      },
      true,
    );
    server.listen(() => undefined);
    relay.start();

    const publisher = new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake);
    await publishReceived(publisher);
    await eventually(async () => (await effects('outcomes')).length === 1);

    await stopRedis();
    const during = await Promise.all([publishReceived(publisher), publishReceived(publisher), publishReceived(publisher)]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await relay.pendingCount()).toBe(3);
    expect(await effects('outcomes')).toHaveLength(1);

    await startRedis();
    await eventually(async () => (await relay.pendingCount()) === 0, 20000);
    await eventually(async () => (await effects('outcomes')).length === 4, 20000);
    const handledIds = (await effects('outcomes')).map((row) => row.referral_id);
    for (const event of during) expect(handledIds).toContain(event.referralId);

    await server.close();
    await stopRedis();
  });
});

describe('@EventPattern handlers in a Nest app', () => {
  @Controller()
  class ReceivedListener {
    @EventPattern(EventType.ReferralReceived)
    async onReceived(@Payload() event: EventEnvelope, @Ctx() context: EventContext): Promise<void> {
      if (event.payload && (event.payload as { needs: string[] }).needs.includes('unknown-need')) {
        throw new UnrecoverableError('need not in the controlled list');
      }
      await context.manager.query(`INSERT INTO "notifier"."effect" ("referral_id", "kind") VALUES ($1, 'nest')`, [event.referralId]);
    }
  }

  let app: NestFastifyApplication;

  beforeAll(async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: database.url, retryAttempts: 0 }),
        EventTransportModule.forRootAsync({ useFactory: () => transportOptions(ServiceName.Notifier, SCHEMAS.notifier, { maxAttempts: 4 }) }),
      ],
      controllers: [ReceivedListener],
    })
    class NotifierLikeModule {}

    app = await NestFactory.create<NestFastifyApplication>(NotifierLikeModule, new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter());
    connectEventConsumer(app);
    await app.startAllMicroservices();
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it('routes an event to the decorated handler inside the inbox transaction', async () => {
    const event = await publishReceived(new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake));
    await relayFor().drain();
    await eventually(async () => (await effects('notifier')).length === 1);
    expect(await effects('notifier')).toEqual([{ referral_id: event.referralId, kind: 'nest' }]);
  });

  it("lets an UnrecoverableError through Nest's exception layer, so it is dead-lettered without retries", async () => {
    const referralId = crypto.randomUUID();
    await dataSource.transaction((manager) =>
      new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake).publish(manager, EventType.ReferralReceived, {
        referralId,
        payload: { needs: ['unknown-need'] } as never,
      }),
    );
    await relayFor().drain();
    const deadLetters = new DeadLetterStore(dataSource, transportOptions(ServiceName.Notifier, SCHEMAS.notifier));
    const [letter] = await eventually(async () => {
      const open = await deadLetters.list();
      return open.length === 1 ? open : undefined;
    });
    expect(letter.attempts).toBe(1);
    expect(letter.error).toContain('UnrecoverableError: need not in the controlled list');
  });

});

describe('graceful shutdown', () => {
  it('lets an in-flight event finish and commit before the worker closes', async () => {
    let started = false;
    const server = new BullMqEventServer(dataSource, transportOptions(ServiceName.Outcomes, SCHEMAS.outcomes));
    server.addHandler(
      EventType.ReferralReceived,
      async (event: EventEnvelope, context: EventContext) => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 700));
        await context.manager.query(`INSERT INTO "outcomes"."effect" ("referral_id", "kind") VALUES ($1, 'slow')`, [event.referralId]);
      },
      true,
    );
    server.listen(() => undefined);
    const event = await publishReceived(new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake));
    await relayFor().drain();
    await eventually(() => started);

    await server.close();

    expect(await effects('outcomes')).toEqual([{ referral_id: event.referralId, kind: 'slow' }]);
    const job = await queueOf(ServiceName.Outcomes).getJob(event.id);
    expect(await job?.getState()).toBe('completed');
  });
});

describe('referral lock', () => {
  it('with a referralLockSpace, handles an event with its referral locked in that space, the lock lockReferral takes', async () => {
    const lockSpace = 4242;
    const isFree = async (referralId: string): Promise<boolean> =>
      (await dataSource.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, $2)) AS "free"`, [referralId, lockSpace]))[0].free;
    const seen: boolean[] = [];
    const server = new BullMqEventServer(dataSource, transportOptions(ServiceName.Outcomes, SCHEMAS.outcomes, { referralLockSpace: lockSpace }));
    server.addHandler(
      EventType.ReferralReceived,
      async (event: EventEnvelope, context: EventContext) => {
        seen.push(await isFree(event.referralId));
        await context.manager.query(`INSERT INTO "outcomes"."effect" ("referral_id", "kind") VALUES ($1, 'locked')`, [event.referralId]);
      },
      true,
    );
    server.listen(() => undefined);
    try {
      const event = await publishReceived(new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake));
      await relayFor().drain();
      await eventually(async () => (await effects('outcomes')).length === 1);
      expect(seen).toEqual([false]);
      expect(await isFree(event.referralId)).toBe(true);
      // An API path's lockReferral is the same lock: held, the event's handler would wait for it.
      await dataSource.transaction(async (manager) => {
        await lockReferral(manager, lockSpace, event.referralId);
        expect(await isFree(event.referralId)).toBe(false);
      });
    } finally {
      await server.close();
    }
  });
});

describe('group commit', () => {
  const lockSpace = 4343;
  const isFree = async (referralId: string): Promise<boolean> =>
    (await dataSource.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, $2)) AS "free"`, [referralId, lockSpace]))[0].free;

  /**
   * A consumer whose first GROUPS_IN_FLIGHT events (each a group of its own, as nothing else waits) wait for
   * `release`, so the events relayed meanwhile are handed in together.
   */
  function gatedConsumer(handle: (event: EventEnvelope, context: EventContext) => Promise<void>) {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let gated = 0;
    const server = new BullMqEventServer(dataSource, transportOptions(ServiceName.Outcomes, SCHEMAS.outcomes, { referralLockSpace: lockSpace }));
    server.addHandler(
      EventType.ReferralReceived,
      async (event: EventEnvelope, context: EventContext) => {
        if (gated < GROUPS_IN_FLIGHT) {
          gated += 1;
          await gate;
        }
        await handle(event, context);
      },
      true,
    );
    server.listen(() => undefined);
    return { server, release };
  }

  /** Publishes the first GROUPS_IN_FLIGHT referrals' events, then (while those wait at the gate) the rest. */
  async function publishWhileTheFirstWait(referralIds: string[], release: () => void): Promise<EventEnvelope[]> {
    const publisher = new EventPublisher(ServiceName.ReferralIntake, SCHEMAS.intake);
    const relay = relayFor();
    const queue = queueOf(ServiceName.Outcomes);
    const events: EventEnvelope[] = [];
    for (const referralId of referralIds.slice(0, GROUPS_IN_FLIGHT)) {
      events.push(await publishReceived(publisher, referralId));
      await relay.drain();
      await eventually(async () => (await queue.getActiveCount()) === events.length);
    }
    for (const referralId of referralIds.slice(GROUPS_IN_FLIGHT)) events.push(await publishReceived(publisher, referralId));
    await relay.drain();
    await eventually(async () => (await queue.getActiveCount()) === referralIds.length);
    release();
    return events;
  }

  it('handles the events that arrived while no transaction could start in one transaction, each once, with every referral locked', async () => {
    const referralIds: string[] = Array.from({ length: GROUPS_IN_FLIGHT + 4 }, () => crypto.randomUUID());
    // Two events about one referral in the same group: handled one after the other in the group's transaction.
    referralIds.push(referralIds[GROUPS_IN_FLIGHT + 1]);
    const locked: boolean[] = [];
    const { server, release } = gatedConsumer(async (event, context) => {
      locked.push(!(await isFree(event.referralId)));
      await context.manager.query(`INSERT INTO "outcomes"."effect" ("referral_id", "kind") VALUES ($1, txid_current()::text)`, [event.referralId]);
    });
    try {
      const events = await publishWhileTheFirstWait(referralIds, release);
      await eventually(async () => (await effects('outcomes')).length === referralIds.length);
      const written = await effects('outcomes');
      expect(written.map((row) => row.referral_id).sort()).toEqual([...referralIds].sort());
      const alone = referralIds.slice(0, GROUPS_IN_FLIGHT);
      const group = written.filter((row) => !alone.includes(row.referral_id));
      const groupTransactions = new Set(group.map((row) => row.kind));
      expect(groupTransactions.size).toBe(1);
      const aloneTransactions = new Set(written.filter((row) => alone.includes(row.referral_id)).map((row) => row.kind));
      expect(aloneTransactions.size).toBe(GROUPS_IN_FLIGHT);
      expect([...aloneTransactions].some((transaction) => groupTransactions.has(transaction))).toBe(false);
      expect(locked).toEqual(referralIds.map(() => true));
      const inbox = await dataSource.query(`SELECT "event_id" FROM "outcomes"."inbox"`);
      expect(inbox.map((row: { event_id: string }) => row.event_id).sort()).toEqual(events.map((event) => event.id).sort());
    } finally {
      await server.close();
    }
  });

  it('when one event of a group fails, the others commit once each and only the failing one is retried and dead-lettered', async () => {
    const referralIds: string[] = Array.from({ length: GROUPS_IN_FLIGHT + 5 }, () => crypto.randomUUID());
    // The group: four events, the failing one third.
    const [before1, before2, poisoned, after] = referralIds.slice(GROUPS_IN_FLIGHT + 1);
    const calls: Record<string, number> = {};
    const { server, release } = gatedConsumer(async (event, context) => {
      calls[event.referralId] = (calls[event.referralId] ?? 0) + 1;
      await context.manager.query(`INSERT INTO "outcomes"."effect" ("referral_id", "kind") VALUES ($1, 'handled')`, [event.referralId]);
      if (event.referralId === poisoned) throw new Error('cannot project this one');
    });
    try {
      const events = await publishWhileTheFirstWait(referralIds, release);
      const deadLetters = new DeadLetterStore(dataSource, transportOptions(ServiceName.Outcomes, SCHEMAS.outcomes));
      const [letter] = await eventually(async () => {
        const open = await deadLetters.list();
        return open.length === 1 ? open : undefined;
      });
      expect(letter.eventId).toBe(events[referralIds.indexOf(poisoned)].id);
      expect(letter.attempts).toBe(3);
      const written = await effects('outcomes');
      expect(written.map((row) => row.referral_id).sort()).toEqual(referralIds.filter((id) => id !== poisoned).sort());
      // The group's rolled-back work was done again alone: those before the failing one ran twice and wrote
      // once, the one after it ran once; the failing one ran in the group, alone, then alone for each retry.
      expect(calls[poisoned]).toBe(4);
      expect([before1, before2, after].map((referralId) => calls[referralId])).toEqual([2, 2, 1]);
    } finally {
      await server.close();
    }
  });
});
