import { displayUrl } from '../database/connectivity';
import { parseRedisUrl } from './redis-connections';

describe('REDIS_URL', () => {
  it('is one server for redis:// and rediss://', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toMatchObject({ cluster: false, tls: false });
    expect(parseRedisUrl('rediss://cache.example:6380')).toMatchObject({ cluster: false, tls: true });
  });

  it('is a Redis Cluster given by some of its nodes for redis-cluster://, with credentials and TLS', () => {
    expect(parseRedisUrl('redis-cluster://127.0.0.1:7000,127.0.0.1:7001,[::1]:7002')).toEqual({
      cluster: true,
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(parseRedisUrl('rediss-cluster://app:s%40cret@a.example:6379,b.example:6379/')).toMatchObject({ cluster: true, username: 'app', password: 's@cret', tls: true });
    expect(() => parseRedisUrl('redis-cluster://a.example,b.example:6379')).toThrow(/host:port/);
  });

  it('hides a cluster URL password when printed', () => {
    expect(displayUrl('redis-cluster://app:hunter2@a.example:6379,b.example:6379')).toBe('redis-cluster://app:***@a.example:6379,b.example:6379');
  });
});
