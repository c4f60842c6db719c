import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import IORedis from 'ioredis';
import { ProblemException, problem, producerConnection, describeError } from '@app/shared';
import { IntakeEnvironment } from '../environment';

const WINDOW_SECONDS = 60;

/**
 * A fixed one-minute window per sender, counted in Redis so every intake instance shares it.
 * When Redis cannot answer the request is let through: the limit protects us, it is not a safety rule.
 */
@Injectable()
export class SenderRateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger(SenderRateLimiter.name);
  private readonly redis: IORedis;

  constructor(private readonly env: IntakeEnvironment) {
    this.redis = producerConnection(env.REDIS_URL);
  }

  async consume(senderId: string, nowMs = Date.now()): Promise<void> {
    const window = Math.floor(nowMs / 1000 / WINDOW_SECONDS);
    const key = `${this.env.REDIS_PREFIX}:intake:rate:${senderId}:${window}`;
    let count: number;
    try {
      const [[, incremented]] = (await this.redis.multi().incr(key).expire(key, WINDOW_SECONDS * 2).exec()) as [[Error | null, number]];
      count = incremented;
    } catch (error) {
      this.logger.warn(`Rate limit not checked (Redis unavailable): ${describeError(error)}`);
      return;
    }
    if (count > this.env.RATE_LIMIT_PER_MINUTE) {
      const retryAfter = Math.max(1, (window + 1) * WINDOW_SECONDS - Math.floor(nowMs / 1000));
      throw new ProblemException(problem(429, `Sender ${senderId} may send ${this.env.RATE_LIMIT_PER_MINUTE} requests a minute`), { 'Retry-After': String(retryAfter) });
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
