import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { TestRedis, createTestRedisPrefix, eventually } from '../testing';
import { closeWorkerWithin } from './worker-shutdown';

/** Real Redis: a worker whose job never finishes must not hold its process's shutdown for ever. */
describe('closeWorkerWithin', () => {
  let redis: TestRedis;
  let connection: IORedis;
  let queue: Queue;
  const workers: Worker[] = [];
  const connections: IORedis[] = [];

  const worker = (handler: (jobId: string) => Promise<void>) => {
    const own = new IORedis(redis.url, { maxRetriesPerRequest: null });
    connections.push(own);
    const started = new Worker(queue.name, (job) => handler(String(job.id)), {
      connection: own,
      prefix: redis.prefix,
      lockDuration: 1000,
      stalledInterval: 500,
    });
    workers.push(started);
    return started;
  };

  beforeEach(() => {
    redis = createTestRedisPrefix('worker-shutdown');
    connection = new IORedis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('shutdown-test', { connection, prefix: redis.prefix });
  });

  afterEach(async () => {
    for (const started of workers.splice(0)) await started.close(true);
    await queue.close();
    for (const own of connections.splice(0)) own.disconnect();
    connection.disconnect();
    await redis.cleanup();
  });

  it('abandons a job still running after the grace, and another worker runs it again', async () => {
    const running: string[] = [];
    // A handler that never finishes, as one stuck on a database that stopped answering.
    const stuck = worker(
      (jobId) =>
        new Promise<void>(() => {
          running.push(jobId);
        }),
    );
    await queue.add('slow', {}, { jobId: 'job-1' });
    await eventually(() => running.includes('job-1'));

    await expect(closeWorkerWithin(stuck, 300)).resolves.toBe('abandoned');

    const ranAgain: string[] = [];
    worker(async (jobId) => {
      ranAgain.push(jobId);
    });
    await eventually(async () => (await queue.getJobState('job-1')) === 'completed', 15_000);
    expect(ranAgain).toEqual(['job-1']);
  });

  it('waits for a job that finishes within the grace', async () => {
    let finished = false;
    const quick = worker(async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      finished = true;
    });
    await queue.add('quick', {}, { jobId: 'job-2' });
    await eventually(async () => (await queue.getJobState('job-2')) === 'active');

    await expect(closeWorkerWithin(quick, 10_000)).resolves.toBe('closed');
    expect(finished).toBe(true);
    expect(await queue.getJobState('job-2')).toBe('completed');
  });
});
