import IORedis from 'ioredis';
import { TestRedis, createTestRedisPrefix } from '@app/shared/testing';
import { WindowCounter } from './window-counter';

let redis: TestRedis;
let connection: IORedis;

beforeAll(() => {
  redis = createTestRedisPrefix('window-counter');
  connection = new IORedis(redis.url);
});

afterAll(async () => {
  connection.disconnect();
  await redis.cleanup();
});

const windowStart = Date.UTC(2026, 10, 26, 10, 0, 0);

it('counts each subject in its own window, and a new window starts again at one', async () => {
  const counter = new WindowCounter(connection, `${redis.prefix}:count`, 60);
  expect(await counter.increment('sender-a', windowStart)).toBe(1);
  expect(await counter.increment('sender-a', windowStart + 59_000)).toBe(2);
  expect(await counter.increment('sender-b', windowStart)).toBe(1);
  expect(await counter.count('sender-a', windowStart + 30_000)).toBe(2);
  expect(await counter.count('sender-c', windowStart)).toBe(0);
  expect(await counter.increment('sender-a', windowStart + 60_000)).toBe(1);
  expect(await counter.count('sender-a', windowStart + 60_000)).toBe(1);
});

it('gives a window two windows of life from its first count, and never extends it', async () => {
  const counter = new WindowCounter(connection, `${redis.prefix}:ttl`, 60);
  await counter.increment('sender', windowStart);
  const [key] = await connection.keys(`${redis.prefix}:ttl:*`);
  expect(await connection.ttl(key)).toBe(120);
  await connection.expire(key, 50);
  await counter.increment('sender', windowStart);
  expect(await connection.ttl(key)).toBeLessThanOrEqual(50);
});

it('counts every increment once when many run at the same time (one atomic command each)', async () => {
  const counter = new WindowCounter(connection, `${redis.prefix}:concurrent`, 60);
  const counts = await Promise.all(Array.from({ length: 200 }, () => counter.increment('sender', windowStart)));
  expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
});

it('says how many whole seconds are left of the window, at least one', () => {
  const counter = new WindowCounter(connection, `${redis.prefix}:window`, 60);
  expect(counter.window(windowStart)).toEqual({ index: windowStart / 60_000, secondsLeft: 60 });
  expect(counter.window(windowStart + 59_400).secondsLeft).toBe(1);
  expect(counter.window(windowStart + 15_000).secondsLeft).toBe(45);
});
