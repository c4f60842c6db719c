import IORedis, { RedisOptions } from 'ioredis';

/**
 * Producers fail fast when Redis is away (the outbox keeps the event); workers block and wait for it,
 * which BullMQ requires (maxRetriesPerRequest: null).
 */
export function producerConnection(url: string): IORedis {
  const options: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 };
  const redis = new IORedis(url, options);
  redis.on('error', () => undefined);
  return redis;
}

export function workerConnection(url: string): IORedis {
  const redis = new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
  redis.on('error', () => undefined);
  return redis;
}
