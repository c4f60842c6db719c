import IORedis, { RedisOptions } from 'ioredis';

/**
 * Producers give up on a command after one reconnection attempt when Redis is away (the outbox or a
 * sweeper keeps the work); commands sent while the socket is first connecting simply wait for it.
 * Workers block and wait for Redis, which BullMQ requires (maxRetriesPerRequest: null).
 */
export function producerConnection(url: string): IORedis {
  const options: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: 2000 };
  const redis = new IORedis(url, options);
  redis.on('error', () => undefined);
  return redis;
}

export function workerConnection(url: string): IORedis {
  const redis = new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Waits briefly for a fail-fast connection to be usable. Without an offline queue, a command sent while
 * the socket is still (re)connecting fails even though Redis is up.
 */
export async function whenRedisReady(redis: IORedis, timeoutMs = 2000): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready (${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
