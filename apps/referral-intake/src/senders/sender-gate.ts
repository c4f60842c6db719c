import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import IORedis from 'ioredis';
import { JSON_CONTENT_TYPES, PROBLEM_CONTENT_TYPE, describeError, problem, producerConnection } from '@app/shared';
import { IntakeEnvironment } from '../environment';
import { SENDER_HEADER } from './sender-auth.guard';
import { Sender } from './sender.entity';
import { SenderStore } from './sender.store';
import { MINUTE_SECONDS, WindowCounter } from './window-counter';

/** The routes only registered senders may use. */
const SENDER_ROUTES = /^\/v1\/referrals(?:[/:?]|$)/;

/**
 * What intake checks before it reads a single byte of a request body: that the request names a sender
 * we know and that its client has not already been refused too often. A stranger's 14 MB body is never
 * buffered or parsed, and a client sending unauthenticated requests in a flood gets 429 after its first
 * UNAUTHENTICATED_LIMIT_PER_MINUTE refusals (counted per client address, in Redis, across instances).
 * The signature, which covers the body, is still checked by SenderAuthGuard once the body is in.
 */
@Injectable()
export class SenderGate implements OnModuleDestroy {
  private readonly logger = new Logger(SenderGate.name);
  private readonly redis: IORedis;
  /** Refusals per client address. */
  private readonly refusalCounter: WindowCounter;

  constructor(
    private readonly senders: SenderStore,
    private readonly env: IntakeEnvironment,
  ) {
    this.redis = producerConnection(env.REDIS_URL);
    this.refusalCounter = new WindowCounter(this.redis, `${env.REDIS_PREFIX}:intake:unauthenticated`, MINUTE_SECONDS);
  }

  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request, reply) => this.beforeBody(request, reply));
    fastify.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode === 401 && SENDER_ROUTES.test(request.url)) await this.countRefusal(request.ip);
    });
  }

  private async beforeBody(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!SENDER_ROUTES.test(request.url)) return;
    const refusals = await this.refusals(request.ip);
    if (refusals > this.env.UNAUTHENTICATED_LIMIT_PER_MINUTE) {
      const retryAfter = this.refusalCounter.window().secondsLeft;
      return this.refuse(reply, 429, 'Too many unauthenticated requests from this client: wait, then sign your requests', { 'retry-after': String(retryAfter) });
    }
    if (request.method === 'POST') {
      const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (!(JSON_CONTENT_TYPES as readonly string[]).includes(type)) return this.refuse(reply, 415, `Content-Type must be ${JSON_CONTENT_TYPES.join(' or ')}`);
    }
    const senderId = request.headers[SENDER_HEADER];
    if (typeof senderId !== 'string' || senderId === '') return this.refuse(reply, 401, 'X-Sender-Id header is required');
    if (senderId.length > 200) return this.refuse(reply, 401, 'unknown or disabled sender, or bad signature');
    const sender = await this.senders.find(senderId);
    if (!sender || sender.disabledAt) return this.refuse(reply, 401, 'unknown or disabled sender, or bad signature');
    // SenderAuthGuard checks the signature with this row once the body is in, rather than reading it again.
    (request as FastifyRequest & { gatedSender?: Sender }).gatedSender = sender;
  }

  private refuse(reply: FastifyReply, status: number, detail: string, headers: Record<string, string> = {}): FastifyReply {
    const body = problem(status, detail, { instance: reply.request.url.split('?')[0] });
    return reply
      .code(status)
      .headers({ ...headers, ...(status === 401 ? { 'www-authenticate': 'StandardWebhooks' } : {}), 'content-type': PROBLEM_CONTENT_TYPE, connection: 'close' })
      .send(body);
  }

  private async refusals(client: string): Promise<number> {
    try {
      return await this.refusalCounter.count(client);
    } catch (error) {
      this.logger.warn(`Unauthenticated limit not checked (Redis unavailable): ${describeError(error)}`);
      return 0;
    }
  }

  private async countRefusal(client: string): Promise<void> {
    await this.refusalCounter
      .increment(client)
      .catch((error) => this.logger.warn(`Unauthenticated refusal not counted (Redis unavailable): ${describeError(error)}`));
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
