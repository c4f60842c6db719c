import IORedis from 'ioredis';

/**
 * Increments a window's count and, on its first count, gives it a lifetime, in one atomic command. A
 * MULTI of INCR and EXPIRE did the same in three commands, and building ioredis's transaction for it cost
 * more of intake's CPU than checking the request's signature.
 */
const INCREMENT = `local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count`;

/** The window of a limit counted per minute (RATE_LIMIT_PER_MINUTE, UNAUTHENTICATED_LIMIT_PER_MINUTE). */
export const MINUTE_SECONDS = 60;

type WithIncrement = IORedis & { incrementInWindow(key: string, lifetimeSeconds: number): Promise<number> };

/**
 * Counts in fixed windows of `windowSeconds` in Redis, so that every intake instance shares the counts.
 * A window's key lives for two windows, so a count is never lost while its window is current.
 */
export class WindowCounter {
  private readonly redis: WithIncrement;

  constructor(
    redis: IORedis,
    private readonly prefix: string,
    readonly windowSeconds: number,
  ) {
    // ioredis sends the script by its SHA and loads it once when Redis does not know it.
    redis.defineCommand('incrementInWindow', { numberOfKeys: 1, lua: INCREMENT });
    this.redis = redis as WithIncrement;
  }

  /** The window `nowMs` falls in: its number, and how many whole seconds are left of it (at least 1). */
  window(nowMs = Date.now()): { index: number; secondsLeft: number } {
    const index = Math.floor(nowMs / 1000 / this.windowSeconds);
    return { index, secondsLeft: Math.max(1, (index + 1) * this.windowSeconds - Math.floor(nowMs / 1000)) };
  }

  /** Counts one for `subject` in the current window, and answers the count so far. */
  increment(subject: string, nowMs = Date.now()): Promise<number> {
    return this.redis.incrementInWindow(this.key(subject, nowMs), this.windowSeconds * 2);
  }

  /** The count for `subject` in the current window. */
  async count(subject: string, nowMs = Date.now()): Promise<number> {
    return Number((await this.redis.get(this.key(subject, nowMs))) ?? 0);
  }

  private key(subject: string, nowMs: number): string {
    return `${this.prefix}:${subject}:${this.window(nowMs).index}`;
  }
}
