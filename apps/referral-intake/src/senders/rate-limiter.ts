import { Injectable, Logger } from '@nestjs/common';
import { ProblemException, problem, describeError } from '@app/shared';
import { IntakeEnvironment } from '../environment';
import { SenderCounters } from './sender-counters';

const WINDOW_SECONDS = 60;

/**
 * A fixed one-minute window per sender, counted in Redis so every intake instance shares it.
 * When Redis cannot answer the request is let through: the limit protects us, it is not a safety rule.
 */
@Injectable()
export class SenderRateLimiter {
  private readonly logger = new Logger(SenderRateLimiter.name);

  constructor(
    private readonly env: IntakeEnvironment,
    private readonly counters: SenderCounters,
  ) {}

  async consume(senderId: string, nowMs = Date.now()): Promise<void> {
    const window = Math.floor(nowMs / 1000 / WINDOW_SECONDS);
    const key = `${this.env.REDIS_PREFIX}:intake:rate:${senderId}:${window}`;
    let count: number;
    try {
      count = await this.counters.increment(key, WINDOW_SECONDS * 2);
    } catch (error) {
      this.logger.warn(`Rate limit not checked (Redis unavailable): ${describeError(error)}`);
      return;
    }
    if (count > this.env.RATE_LIMIT_PER_MINUTE) {
      const retryAfter = Math.max(1, (window + 1) * WINDOW_SECONDS - Math.floor(nowMs / 1000));
      throw new ProblemException(problem(429, `Sender ${senderId} may send ${this.env.RATE_LIMIT_PER_MINUTE} requests a minute`), { 'Retry-After': String(retryAfter) });
    }
  }
}
