import { NotifierEnvironment } from '../../apps/notifier/src/environment';
import { producerConnection } from '@app/shared';
import { RedisClusterProcess, TcpProxy, TestDatabase, createTestDatabase, startRedisCluster } from '@app/shared/testing';
import { DrillService, PipelineDrill, ServiceProcess } from '../drills/pipeline-drill';

/**
 * Deployed as in production: a Redis Cluster of three masters, two replicas of each service and one
 * PostgreSQL (reached through a TCP hop the drill can cut). One replica of each service runs in the test's
 * process, the other as an OS process of its own, so that it can be killed (SIGKILL). Referrals are posted at
 * 25 a second across both intake replicas through each fault; every referral answered 202 must be routed, its
 * email sent once and the referral recorded in outcomes, and every open task must have its reminder job.
 */
describe('two replicas of each service on a Redis Cluster', () => {
  let cluster: RedisClusterProcess;
  let database: TestDatabase;
  let postgres: TcpProxy;
  let drill: PipelineDrill;
  const processes = new Map<DrillService, ServiceProcess>();
  const SERVICES: DrillService[] = ['referral-intake', 'notifier', 'outcomes'];

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    database = await createTestDatabase('cluster');
    postgres = new TcpProxy(Number(new URL(database.url).port));
    await postgres.start();
    const viaProxy = new URL(database.url);
    viaProxy.port = String(postgres.port);
    drill = await PipelineDrill.start({ redisUrl: cluster.url, serviceDatabaseUrl: viaProxy.toString(), checkDatabaseUrl: database.url });
    // Six replicas start together against one new database: the migration lock keeps them in turn.
    const spawned = Promise.all(SERVICES.map(async (service) => processes.set(service, await drill.spawn(service))));
    const [intake] = await Promise.all(SERVICES.map((service) => drill.startInProcess(service)));
    await spawned;
    await drill.registerSender(intake);
  }, 120_000);

  afterAll(async () => {
    await drill?.close();
    await postgres?.stop();
    await cluster?.stop();
    await database?.drop();
  });

  it('keeps its queues in one hash slot of the cluster', async () => {
    const redis = producerConnection(cluster.url);
    try {
      const slots = await Promise.all(['{referrals}:events.notifier:wait', '{referrals}:events.outcomes:meta', '{referrals}:notifier.deliver-email:id'].map((key) => redis.call('CLUSTER', 'KEYSLOT', key)));
      expect(new Set(slots).size).toBe(1);
      expect(String(await redis.call('CLUSTER', 'INFO'))).toContain('cluster_known_nodes:3');
    } finally {
      redis.disconnect();
    }
  });

  it('loses nothing when a replica of each service is killed (kill -9) mid-stream', async () => {
    const killAt: Record<number, DrillService> = { 15: 'notifier', 30: 'outcomes', 45: 'referral-intake' };
    const referralIds = await drill.postStream(75, 25, async (index) => {
      const service = killAt[index];
      if (service) await processes.get(service)!.kill();
    });
    // Once each; a second copy only for an email the killed notifier had handed to SMTP before it died, so at most
    // as many as it was sending at once (DELIVERY_CONCURRENCY, 4 by default: two were seen in one run).
    const { slowestMs } = await drill.expectEveryReferralDelivered(referralIds, { resends: new NotifierEnvironment().DELIVERY_CONCURRENCY });
    // A killed consumer's jobs wait for their lock to expire and a stalled check (2 s and 1 s here: the drill's timings).
    expect(slowestMs).toBeLessThan(20_000);
    expect(await drill.expectEveryOpenTaskHasItsReminder()).toBeGreaterThan(0);
    // As an orchestrator would, start the killed replicas again: the drills below run with two of each.
    await Promise.all(SERVICES.map(async (service) => processes.set(service, await drill.spawn(service))));
  }, 120_000);

  it('loses nothing when every master of the cluster restarts without its data mid-stream', async () => {
    const referralIds = await drill.postStream(30, 25);
    // Relayed to Redis (marked published), most not yet consumed, when every master loses its data.
    await drill.waitUntilRelayed();
    await cluster.restartEmpty();
    referralIds.push(...(await drill.postStream(20, 25)));
    await drill.expectEveryReferralDelivered(referralIds);
    expect(await drill.expectEveryOpenTaskHasItsReminder()).toBeGreaterThan(0);
  }, 120_000);

  it('loses nothing when PostgreSQL is unreachable for 10 s mid-stream', async () => {
    let restored: Promise<void> | undefined;
    const referralIds = await drill.postStream(50, 25, (index) => {
      if (index !== 10) return;
      postgres.cut();
      restored = new Promise((resolve) => setTimeout(resolve, 10_000)).then(() => postgres.restore());
    });
    await restored;
    await drill.expectEveryReferralDelivered(referralIds);
    expect(await drill.expectEveryOpenTaskHasItsReminder()).toBeGreaterThan(0);
    // Every replica came back: none exited, each answers ready (PostgreSQL and Redis) again.
    for (const url of drill.replicaUrls()) {
      expect([url, (await fetch(`${url}/health/ready`)).status]).toEqual([url, 200]);
    }
  }, 120_000);
});
