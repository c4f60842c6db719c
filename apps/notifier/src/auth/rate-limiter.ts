import IORedis from 'ioredis';
import { sha256 } from './sign-in-rules';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters in Redis under the service's key prefix. Keys name a hash of the address or IP,
 * never the address itself. When Redis cannot answer, sign-in stays open (the tokens are unguessable;
 * the limit protects inboxes from floods, and the outage is logged by the caller).
 */
export class SignInRateLimiter {
  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
    private readonly windowSeconds: number,
  ) {}

  async hit(scope: 'address' | 'client', subject: string, limit: number): Promise<RateDecision> {
    const key = `${this.prefix}:sign-in:${scope}:${sha256(subject).toString('hex')}`;
    const results = await this.redis.multi().set(key, '0', 'EX', this.windowSeconds, 'NX').incr(key).ttl(key).exec();
    if (!results) throw new Error('Redis aborted the rate-limit transaction');
    for (const [error] of results) if (error) throw error;
    const count = Number(results[1][1]);
    const ttl = Number(results[2][1]);
    return { allowed: count <= limit, retryAfterSeconds: ttl > 0 ? ttl : this.windowSeconds };
  }

  close(): void {
    this.redis.disconnect();
  }
}
