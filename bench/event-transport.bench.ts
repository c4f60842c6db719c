import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import {
  BaseEnvironment,
  BullMqEventServer,
  EventContext,
  EventEnvelope,
  EventPublisher,
  EventTransportOptions,
  EventType,
  OutboxRelay,
  ServiceName,
  createTransportTables,
} from '@app/shared';
import { createTestDatabase, createTestRedisPrefix } from '@app/shared/testing';
import { Target } from './stats';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);

/** Events committed to an outbox, relayed to two subscribers' queues and handled through their inboxes. */
export async function benchEventTransport(): Promise<{ title: string; targets: Target[] }> {
  const database = await createTestDatabase('bench_transport');
  const redis = createTestRedisPrefix('bench-transport');
  const dataSource = new DataSource({ type: 'postgres', url: database.url, extra: { max: 20 } });
  await dataSource.initialize();
  const options = (service: string, schema: string): EventTransportOptions => ({
    service,
    schema,
    redisUrl: redis.url,
    redisPrefix: redis.prefix,
    maxAttempts: 3,
    backoffMs: 100,
    outboxPollMs: 20,
    sealingKey: new BaseEnvironment().EVENT_SEALING_KEY,
    outboxRetentionHours: 24,
    concurrency: 8,
  });
  for (const schema of ['intake', 'notifier', 'outcomes']) {
    await dataSource.query(`CREATE SCHEMA "${schema}"`);
    const runner = dataSource.createQueryRunner();
    await createTransportTables(runner, schema);
    await runner.release();
  }
  let handled = 0;
  const consumers = [
    [ServiceName.Notifier, 'notifier'],
    [ServiceName.Outcomes, 'outcomes'],
  ].map(([service, schema]) => {
    const server = new BullMqEventServer(dataSource, options(service, schema));
    server.addHandler(EventType.ReferralReceived, async (_event: EventEnvelope, _context: EventContext) => void (handled += 1), true);
    server.listen(() => undefined);
    return server;
  });
  const relay = new OutboxRelay(dataSource, options(ServiceName.ReferralIntake, 'intake'));
  const publisher = new EventPublisher(ServiceName.ReferralIntake, 'intake');
  try {
    const started = performance.now();
    relay.start();
    for (let batch = 0; batch < EVENTS / 100; batch += 1) {
      await dataSource.transaction(async (manager) => {
        for (let i = 0; i < 100; i += 1) {
          await publisher.publish(manager, EventType.ReferralReceived, { referralId: crypto.randomUUID(), payload: { needs: ['loneliness'] } as never });
        }
      });
    }
    while (handled < EVENTS * 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const elapsedS = (performance.now() - started) / 1000;
    return {
      title: `event transport: ${EVENTS} events fanned out to 2 subscribers (outbox → relay → BullMQ → inbox)`,
      targets: [{ name: 'events handled per second (both subscribers)', actual: (EVENTS * 2) / elapsedS, limit: 250, kind: 'min', unit: '/s' }],
    };
  } finally {
    for (const consumer of consumers) await consumer.close();
    await relay.stop();
    await dataSource.destroy();
    await redis.cleanup();
    await database.drop();
  }
}
