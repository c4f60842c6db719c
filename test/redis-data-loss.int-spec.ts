import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RedisServerProcess, TestDatabase, createTestDatabase, startRedisServer } from '@app/shared/testing';
import { PipelineDrill } from './drills/pipeline-drill';

/**
 * Redis comes back without its data: killed (no persistence) and started again empty on the same port.
 * Every referral answered 202 must still be routed, emailed exactly once and recorded in outcomes, because
 * each producer reconciles what it published against what each subscriber's inbox handled; and every open
 * task must have its reminder job again, because the reminder sweep pages through every open task.
 */
describe('Redis restarted empty', () => {
  let redis: RedisServerProcess;
  let database: TestDatabase;
  let drill: PipelineDrill;
  let consumers: NestFastifyApplication[] = [];

  async function startConsumers(): Promise<void> {
    // Outcomes first: the apps share this process's event loop, and a notifier already sending while another
    // app boots could miss renewing its 2 s delivery locks on a loaded machine, then resend an email whose
    // lock expired (as a real stall would). Deployed, each service has a process of its own.
    const outcomes = await drill.startInProcess('outcomes');
    consumers = [await drill.startInProcess('notifier'), outcomes];
  }

  async function stopConsumers(): Promise<void> {
    for (const app of consumers) await drill.stopInProcess(app);
    consumers = [];
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    database = await createTestDatabase('redis_loss');
    drill = await PipelineDrill.start({ redisUrl: redis.url, serviceDatabaseUrl: database.url, checkDatabaseUrl: database.url, env: { EVENT_RECONCILE_GRACE_MS: '1000' } });
    await drill.registerSender(await drill.startInProcess('referral-intake'));
    await startConsumers();
  });

  afterAll(async () => {
    await drill?.close();
    await redis?.stop();
    await database?.drop();
  });

  it('loses nothing when Redis restarts empty in the middle of a stream of referrals', async () => {
    const referralIds = await drill.postStream(10, 25);
    // A burst, relayed to Redis and (mostly) not yet consumed when Redis dies.
    referralIds.push(...(await Promise.all(Array.from({ length: 20 }, () => drill.postReferral()))));
    await drill.waitUntilRelayed();
    await redis.kill();
    await redis.start();
    referralIds.push(...(await drill.postStream(10, 25)));
    await drill.expectEveryReferralDelivered(referralIds);
    expect(await drill.expectEveryOpenTaskHasItsReminder()).toBeGreaterThan(0);
  }, 240_000);

  it('loses nothing when Redis restarts empty holding a backlog, because the consumers were down', async () => {
    await stopConsumers();
    const referralIds = await drill.postStream(30, 50);
    // Every event relayed to Redis (marked published) and waiting there for the consumers.
    await drill.waitUntilRelayed();
    await redis.kill();
    await redis.start();
    await startConsumers();
    await drill.expectEveryReferralDelivered(referralIds);
    expect(await drill.expectEveryOpenTaskHasItsReminder()).toBeGreaterThan(0);
  }, 240_000);
});
