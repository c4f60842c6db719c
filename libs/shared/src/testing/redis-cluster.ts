import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import IORedis from 'ioredis';

const run = promisify(execFile);

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free loopback port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await isFree(port)) && (await isFree(port + 10000))) {
      taken.add(port);
      taken.add(port + 10000);
      return port;
    }
  }
}

export interface RedisClusterProcess {
  /** REDIS_URL for the services: redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3 */
  url: string;
  ports: number[];
  /**
   * Every master killed (SIGKILL) and started again on its port without its data: the cluster's layout (its
   * nodes.conf) survives, its keys do not, as after a restart without persistence or a lost volume.
   */
  restartEmpty(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` masters (no replicas) on free loopback ports, created with
 * `redis-cli --cluster create`, without persistence. Never the shared Redis.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterProcess> {
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let index = 0; index < masters; index += 1) ports.push(await freeClusterPort(taken));
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  let children: ChildProcess[] = [];
  const startNodes = async () => {
    children = ports.map((port) =>
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'],
        { stdio: 'ignore' },
      ),
    );
    for (const port of ports) await waitFor(port, async (redis) => (await redis.ping()) === 'PONG');
  };
  const clusterReady = async () => {
    for (const port of ports) await waitFor(port, async (redis) => String(await redis.call('CLUSTER', 'INFO')).includes('cluster_state:ok'));
  };
  const killNodes = () =>
    Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
  const stop = async () => {
    await killNodes();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await startNodes();
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await clusterReady();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `redis-cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    ports,
    async restartEmpty() {
      await killNodes();
      await startNodes();
      await clusterReady();
    },
    stop,
  };
}

async function waitFor(port: number, check: (redis: IORedis) => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const redis = new IORedis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      if (await check(redis)) return;
    } catch {
      // not up yet
    } finally {
      redis.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`Redis Cluster node on port ${port} not ready`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
