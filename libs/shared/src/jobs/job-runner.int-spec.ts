import { Injectable, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { ServiceName } from '../events/topology';
import { currentCorrelation } from '../logging/correlation';
import { TestDatabase, TestRedis, createTestDatabase, createTestRedisPrefix, eventually } from '../testing';
import { EventTransportModule } from '../transport/event-transport.module';
import { createTransportTables } from '../transport/transport-tables';
import { JobContext, JobHandler, JobSweeper } from './job-decorators';
import { JobQueues, PlannedJob, planJob } from './job-queues';
import { JobRunner } from './job-runner';
import { queueSettings } from './job-settings';
import { createJobTables } from './job-tables';
import { JobName, QueueName, StatusCallbackJob } from './job-types';
import { JobsModule } from './jobs.module';
import { ServiceDeadLetters } from './service-dead-letters';
import { SweepSource } from './sweeper';

/** The runner on real Postgres and Redis, working the status-callback queue with handlers of this test's own. */
const SCHEMA = 'runner';
let database: TestDatabase;
let redis: TestRedis;
let dataSource: DataSource;

/** What the handler is told to do, per callback id, and what it saw. */
const script = new Map<string, { failTimes: number; delayMs?: number; connectionLostTimes?: number }>();
const seen: Array<{ callbackId: string; correlationId?: string; attempt: number; lastAttempt: boolean }> = [];

@Injectable()
class CallbackHandlers {
  @JobHandler(JobName.DeliverStatusCallback)
  async deliver(job: StatusCallbackJob, context: JobContext): Promise<void> {
    seen.push({ callbackId: job.callbackId, correlationId: currentCorrelation()?.correlationId, attempt: context.attempt, lastAttempt: context.lastAttempt });
    const plan = script.get(job.callbackId) ?? { failTimes: 0 };
    if (plan.delayMs) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
    if (plan.connectionLostTimes) {
      plan.connectionLostTimes -= 1;
      // Its connection's backend is ended (as when PostgreSQL restarts or the network drops it), and the call
      // returns once it has; the server stays up, so the runner could write a dead letter the moment after.
      const runner = dataSource.createQueryRunner();
      try {
        const [{ pid }] = await runner.query(`SELECT pg_backend_pid() AS "pid"`);
        await dataSource.query(`SELECT pg_terminate_backend($1, 5000)`, [pid]);
        await runner.query(`UPDATE "${SCHEMA}"."callback" SET "state" = 'delivered' WHERE "id" = $1`, [job.callbackId]);
      } finally {
        await runner.release();
      }
    }
    if (plan.failTimes > 0) {
      plan.failTimes -= 1;
      throw new Error(`receiver answered 503 for ${job.callbackId}`);
    }
    await dataSource.query(`UPDATE "${SCHEMA}"."callback" SET "state" = 'delivered' WHERE "id" = $1`, [job.callbackId]);
  }
}

const maintenanceRuns: number[] = [];

@Injectable()
class Maintenance {
  @JobHandler(JobName.PurgeIdempotencyKeys)
  async purge(): Promise<void> {
    maintenanceRuns.push(Date.now());
  }

  /** Intake's other scheduled job (not scheduled in this test): the runner wants a handler for every job of the service. */
  @JobHandler(JobName.PurgeIntakeOutbox)
  async purgeOutbox(): Promise<void> {}
}

@Injectable()
@JobSweeper()
class PendingCallbacks implements SweepSource {
  readonly name = 'pending test callbacks';
  readonly everyMs = 3_600_000;

  candidates(after: string | null, limit: number): Promise<Array<{ id: string }>> {
    return dataSource.query(`SELECT "id" FROM "${SCHEMA}"."callback" WHERE "state" = 'pending' AND ($1::uuid IS NULL OR "id" > $1) ORDER BY "id" LIMIT $2`, [after, limit]);
  }

  jobsFor(row: { id: string }): PlannedJob[] {
    return [planJob(JobName.DeliverStatusCallback, { callbackId: row.id })];
  }
}

async function reopen(manager: EntityManager, job: StatusCallbackJob): Promise<void> {
  await manager.query(`UPDATE "${SCHEMA}"."callback" SET "state" = 'pending' WHERE "id" = $1`, [job.callbackId]);
}

const lock = { JOB_LOCK_MS: 5000, JOB_STALLED_INTERVAL_MS: 2500, JOB_MAX_STALLED_COUNT: 1 };

function appModule(providers: Array<new (...args: never[]) => unknown>) {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ type: 'postgres', url: database.url, retryAttempts: 0 }),
      EventTransportModule.forRootAsync({
        useFactory: () => ({ service: ServiceName.ReferralIntake, schema: SCHEMA, redisUrl: redis.url, redisPrefix: redis.prefix, maxAttempts: 3, backoffMs: 10, outboxPollMs: 50, sealingKey: 'job-runner-test-sealing-key-0123456789abcdef', outboxRetentionHours: 24 }),
      }),
      JobsModule.forService({
        service: ServiceName.ReferralIntake,
        schema: SCHEMA,
        redisUrl: redis.url,
        redisPrefix: redis.prefix,
        settings: {
          [QueueName.StatusCallbacks]: queueSettings(lock, { concurrency: 2, maxAttempts: 3, backoffMs: 10 }),
          [QueueName.IntakeMaintenance]: queueSettings(lock, { concurrency: 1, maxAttempts: 1, backoffMs: 10 }),
        },
        replays: { [JobName.DeliverStatusCallback]: reopen },
        schedules: { [JobName.PurgeIdempotencyKeys]: 300 },
      }),
    ],
    providers,
  })
  class TestAppModule {}
  return TestAppModule;
}

async function startApp(providers: Array<new (...args: never[]) => unknown>): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(appModule(providers), { logger: false, abortOnError: false });
  await app.init();
  return app;
}

async function newCallback(plan: { failTimes: number; delayMs?: number; connectionLostTimes?: number }): Promise<string> {
  const [{ id }] = await dataSource.query(`INSERT INTO "${SCHEMA}"."callback" DEFAULT VALUES RETURNING "id"`);
  script.set(id, plan);
  return id;
}

const stateOf = async (id: string) => (await dataSource.query(`SELECT "state" FROM "${SCHEMA}"."callback" WHERE "id" = $1`, [id]))[0].state;

beforeAll(async () => {
  database = await createTestDatabase('jobrunner');
  redis = createTestRedisPrefix('jobrunner');
  dataSource = new DataSource({ type: 'postgres', url: database.url });
  await dataSource.initialize();
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.query(`CREATE SCHEMA "${SCHEMA}"`);
  await createTransportTables(queryRunner, SCHEMA);
  await createJobTables(queryRunner, SCHEMA);
  await queryRunner.query(`CREATE TABLE "${SCHEMA}"."callback" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(), "state" text NOT NULL DEFAULT 'pending')`);
  await queryRunner.release();
});

afterAll(async () => {
  await dataSource?.destroy();
  await redis?.cleanup();
  await database?.drop();
});

it('refuses to start while a job of the service has no handler, naming it', async () => {
  // The start hook is called on a compiled module rather than through init(): a context whose init failed
  // cannot be closed (close() rethrows the init error), and its database pool and Redis connections would
  // keep Jest's process alive.
  const refused = await Test.createTestingModule({ imports: [appModule([])] }).compile();
  try {
    expect(() => refused.get(JobRunner).onModuleInit()).toThrow('referral-intake cannot start its job runner: no @JobHandler for deliver-status-callback');
  } finally {
    await refused.close();
  }
});

describe('a running service', () => {
  let app: INestApplicationContext;

  beforeAll(async () => {
    app = await startApp([CallbackHandlers, PendingCallbacks, Maintenance]);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs a job in its correlation id, retries it, then dead-letters it; a sweep leaves it alone; a replay gives it a fresh round', async () => {
    const id = await newCallback({ failTimes: 3 });
    await app.get(JobQueues).add([planJob(JobName.DeliverStatusCallback, { callbackId: id, correlationId: 'corr-job-0001' })]);
    const deadLetters = app.get(ServiceDeadLetters);
    const [letter] = await eventually(async () => {
      const letters = (await deadLetters.list(['callbacks'])).filter((candidate) => candidate.id === id);
      return letters.length ? letters : undefined;
    });
    expect(letter).toMatchObject({ service: ServiceName.ReferralIntake, kind: 'callbacks', name: JobName.DeliverStatusCallback, attempts: 3, error: `Error: receiver answered 503 for ${id}` });
    expect(seen.filter((run) => run.callbackId === id)).toEqual([
      { callbackId: id, correlationId: 'corr-job-0001', attempt: 1, lastAttempt: false },
      { callbackId: id, correlationId: 'corr-job-0001', attempt: 2, lastAttempt: false },
      { callbackId: id, correlationId: 'corr-job-0001', attempt: 3, lastAttempt: true },
    ]);

    // The row still says pending, but the job was given up on: only a replay runs it again.
    expect(await app.get(JobRunner).runSweeps()).toBe(0);
    await dataSource.query(`UPDATE "${SCHEMA}"."callback" SET "state" = 'failed' WHERE "id" = $1`, [id]);

    expect(await deadLetters.replay(id, ['events'])).toBeUndefined();
    expect(await deadLetters.replay(id)).toMatchObject({ id, kind: 'callbacks' });
    await eventually(async () => (await stateOf(id)) === 'delivered');
    expect(seen.filter((run) => run.callbackId === id).at(-1)).toMatchObject({ attempt: 1, lastAttempt: false });
    expect(await deadLetters.list(['callbacks'])).toEqual([]);
    expect(await deadLetters.replay(id)).toBeUndefined();
  });

  it('does not dead-letter a job whose last attempt lost its PostgreSQL connection; the sweeper gives it a fresh round', async () => {
    const id = await newCallback({ failTimes: 0, connectionLostTimes: 3 });
    await app.get(JobQueues).add([planJob(JobName.DeliverStatusCallback, { callbackId: id })]);
    const queue = new Queue(QueueName.StatusCallbacks, { connection: { url: redis.url }, prefix: redis.prefix });
    try {
      await eventually(async () => (await queue.getJobState(id)) === 'failed');
    } finally {
      await queue.close();
    }
    expect(seen.filter((run) => run.callbackId === id).map((run) => run.attempt)).toEqual([1, 2, 3]);
    expect((await app.get(ServiceDeadLetters).list(['callbacks'])).filter((letter) => letter.id === id)).toEqual([]);
    expect(await stateOf(id)).toBe('pending');

    expect(await app.get(JobRunner).runSweeps()).toBe(1);
    await eventually(async () => (await stateOf(id)) === 'delivered');
    expect(seen.filter((run) => run.callbackId === id).map((run) => run.attempt)).toEqual([1, 2, 3, 1]);
  });

  it('runs a scheduled job every so often', async () => {
    const before = maintenanceRuns.length;
    await eventually(() => maintenanceRuns.length >= before + 3, 10_000);
  });

  it('sweeps a pending row whose job Redis never had', async () => {
    const id = await newCallback({ failTimes: 0 });
    expect(await app.get(JobRunner).runSweeps()).toBe(1);
    await eventually(async () => (await stateOf(id)) === 'delivered');
    expect(await app.get(JobRunner).runSweeps()).toBe(0);
  });
});

it('lets in-flight jobs finish when the service shuts down', async () => {
  const app = await startApp([CallbackHandlers, PendingCallbacks, Maintenance]);
  const id = await newCallback({ failTimes: 0, delayMs: 700 });
  await app.get(JobQueues).add([planJob(JobName.DeliverStatusCallback, { callbackId: id })]);
  await eventually(() => seen.some((run) => run.callbackId === id));
  await app.close();
  expect(await stateOf(id)).toBe('delivered');
  const queue = new Queue(QueueName.StatusCallbacks, { connection: { url: redis.url }, prefix: redis.prefix });
  expect(await queue.getJobState(id)).toBe('completed');
  await queue.close();
});

it('logs queue errors through the logger instead of dropping them', async () => {
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) } as unknown as LoggerService;
  const queues = new JobQueues({ redisUrl: 'redis://127.0.0.1:1', redisPrefix: redis.prefix, settings: {} }, logger as never);
  queues.queue(QueueName.StatusCallbacks);
  await eventually(() => warnings.some((warning) => warning.startsWith(`Queue ${QueueName.StatusCallbacks}:`) && warning.includes('ECONNREFUSED')));
  await queues.close();
});
