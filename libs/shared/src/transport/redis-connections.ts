import IORedis, { Cluster, ClusterNode, RedisOptions } from 'ioredis';

/**
 * Where Redis is. `redis://` or `rediss://` is one server (or a Sentinel-less primary);
 * `redis-cluster://[user:password@]host:port,host:port,...` (or `rediss-cluster://` for TLS) is a Redis Cluster
 * given by some of its nodes. Every key of ours carries the `{referrals}` hash tag (REDIS_PREFIX), so each
 * queue's keys share one slot and BullMQ's multi-key scripts run on a cluster.
 */
export interface RedisTarget {
  cluster: boolean;
  nodes: ClusterNode[];
  username?: string;
  password?: string;
  tls: boolean;
}

export function parseRedisUrl(url: string): RedisTarget {
  const match = /^(rediss?)-cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/?$/.exec(url);
  if (!match) return { cluster: false, nodes: [], tls: url.startsWith('rediss:'), username: undefined, password: undefined };
  const [, scheme, username, password, hosts] = match;
  const nodes = hosts.split(',').map((hostPort) => {
    const at = hostPort.lastIndexOf(':');
    if (at <= 0) throw new Error(`redis-cluster URL node "${hostPort}" must be host:port`);
    return { host: hostPort.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(at + 1)) };
  });
  return {
    cluster: true,
    nodes,
    username: username ? decodeURIComponent(username) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
    tls: scheme === 'rediss',
  };
}

/**
 * One Redis connection, to a single server or to a cluster, with the given per-connection options. Typed as
 * IORedis: ioredis's Cluster has the same commands, events, status and lifecycle that our code and BullMQ use
 * (BullMQ recognises a Cluster by its `isCluster` flag).
 */
export function redisConnection(url: string, options: RedisOptions = {}): IORedis {
  const target = parseRedisUrl(url);
  const redis = target.cluster
    ? (new Cluster(target.nodes, {
        redisOptions: { ...options, username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}) },
        enableReadyCheck: options.enableReadyCheck ?? true,
        enableOfflineQueue: options.enableOfflineQueue ?? true,
        lazyConnect: options.lazyConnect ?? false,
        ...(options.retryStrategy ? { clusterRetryStrategy: options.retryStrategy } : {}),
      }) as unknown as IORedis)
    : new IORedis(url, options);
  // The connection's own errors repeat what the queues and workers using it report (and log, throttled:
  // see logQueueErrors); without a listener ioredis would print each one as an unhandled error event.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Producers give up on a command after one reconnection attempt when Redis is away (the outbox or a
 * sweeper keeps the work); commands sent while the socket is first connecting simply wait for it.
 * Workers block and wait for Redis, which BullMQ requires (maxRetriesPerRequest: null).
 */
export function producerConnection(url: string): IORedis {
  return redisConnection(url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
}

export function workerConnection(url: string): IORedis {
  return redisConnection(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
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
