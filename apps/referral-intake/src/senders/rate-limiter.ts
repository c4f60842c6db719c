import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import IORedis from 'ioredis';
import { ProblemException, problem, producerConnection, describeError } from '@app/shared';
import { IntakeEnvironment } from '../environment';
import { MINUTE_SECONDS, WindowCounter } from './window-counter';

/**
 * A fixed one-minute window per sender, counted in Redis so every intake instance shares it.
 * When Redis cannot answer the request is let through: the limit protects us, it is not a safety rule.
 */
@Injectable()
export class SenderRateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger(SenderRateLimiter.name);
  private readonly redis: IORedis;
  private readonly counter: WindowCounter;

  constructor(private readonly env: IntakeEnvironment) {
    this.redis = producerConnection(env.REDIS_URL);
    this.counter = new WindowCounter(this.redis, `${env.REDIS_PREFIX}:intake:rate`, MINUTE_SECONDS);
  }

  async consume(senderId: string, nowMs = Date.now()): Promise<void> {
    let count: number;
    try {
      count = await this.counter.increment(senderId, nowMs);
    } catch (error) {
      this.logger.warn(`Rate limit not checked (Redis unavailable): ${describeError(error)}`);
      return;
    }
    if (count > this.env.RATE_LIMIT_PER_MINUTE) {
      const retryAfter = this.counter.window(nowMs).secondsLeft;
      throw new ProblemException(problem(429, `Sender ${senderId} may send ${this.env.RATE_LIMIT_PER_MINUTE} requests a minute`), { 'Retry-After': String(retryAfter) });
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
