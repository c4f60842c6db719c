import { Injectable, OnModuleDestroy } from '@nestjs/common';
import IORedis from 'ioredis';
import { redisConnection } from '@app/shared';
import { IntakeEnvironment } from '../environment';

/** Increments a window's counter and returns it; the first increment sets its expiry (one command, so one round trip and atomic). */
const COUNT_IN_WINDOW = `local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count`;

type CountingRedis = IORedis & { countInWindow(key: string, expirySeconds: number): Promise<number> };

/**
 * The Redis connection of the counters every request to a sender route touches: SenderGate's refusals per
 * client before the body, SenderRateLimiter's requests per sender after the signature. One connection,
 * auto-pipelined: the commands of concurrent requests go out in one write (a write is a syscall, which
 * costs more than the command on this path). Like a producer's, a command gives up after one reconnection
 * attempt: both counters let the request through when Redis is away.
 */
@Injectable()
export class SenderCounters implements OnModuleDestroy {
  private readonly redis: CountingRedis;

  constructor(env: IntakeEnvironment) {
    this.redis = redisConnection(env.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000, enableAutoPipelining: true }) as CountingRedis;
    this.redis.defineCommand('countInWindow', { numberOfKeys: 1, lua: COUNT_IN_WINDOW });
  }

  async read(key: string): Promise<number> {
    return Number((await this.redis.get(key)) ?? 0);
  }

  increment(key: string, expirySeconds: number): Promise<number> {
    return this.redis.countInWindow(key, expirySeconds);
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
