import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { ProblemException, problem, describeError } from '@app/shared';
import { IntakeEnvironment } from '../environment';
import { JSON_CONTENT_TYPES, RequestWithRawBody } from '@app/shared';
import { SenderRateLimiter } from './rate-limiter';
import { openSecret } from './secret-box';
import { Sender } from './sender.entity';

export const SENDER_HEADER = 'x-sender-id';

/** The OpenAPI security schemes this guard enforces (declared in /docs; both are required together). */
export const SENDER_ID_SCHEME = 'senderId';
export const SIGNATURE_SCHEME = 'webhookSignature';

export const WEBHOOK_ID_MAX_LENGTH = 255;
const WEBHOOK_ID = new RegExp(`^[\\x21-\\x7e]{1,${WEBHOOK_ID_MAX_LENGTH}}$`);

export type AuthenticatedRequest = RequestWithRawBody & { sender: Sender; webhookId: string };

function unauthorised(detail: string): ProblemException {
  return new ProblemException(problem(401, detail), { 'WWW-Authenticate': 'StandardWebhooks' });
}

/**
 * Every request is a Standard Webhooks message from a registered sender: X-Sender-Id names the sender,
 * webhook-id/-timestamp/-signature prove it over the exact body bytes (an empty body for GET). Either of
 * the sender's active secrets verifies, so rotation needs no downtime. Then the sender's rate limit.
 */
@Injectable()
export class SenderAuthGuard implements CanActivate {
  private readonly logger = new Logger(SenderAuthGuard.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: IntakeEnvironment,
    private readonly rateLimiter: SenderRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.method === 'POST') {
      const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (!(JSON_CONTENT_TYPES as readonly string[]).includes(type) || !request.rawBody) {
        throw new ProblemException(problem(415, `Content-Type must be ${JSON_CONTENT_TYPES.join(' or ')}`));
      }
    }
    const senderId = request.headers[SENDER_HEADER];
    if (typeof senderId !== 'string' || senderId === '') throw unauthorised('X-Sender-Id header is required');
    const headers = {
      'webhook-id': String(request.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
    };
    if (!headers['webhook-id'] || !headers['webhook-timestamp'] || !headers['webhook-signature']) {
      throw unauthorised('webhook-id, webhook-timestamp and webhook-signature headers are required (Standard Webhooks)');
    }
    // The id is stored as an idempotency key: bounded like Idempotency-Key, so no header can overflow the index.
    if (!WEBHOOK_ID.test(headers['webhook-id'])) {
      throw new ProblemException(problem(400, `webhook-id must be 1-${WEBHOOK_ID_MAX_LENGTH} visible ASCII characters`, { errors: [{ pointer: '/headers/webhook-id', detail: 'too long or not visible ASCII' }] }));
    }
    const sender = await this.dataSource.getRepository(Sender).findOneBy({ id: senderId });
    if (!sender || sender.disabledAt) throw unauthorised('unknown or disabled sender, or bad signature');
    this.verify(sender, request.rawBody ?? Buffer.alloc(0), headers);
    await this.rateLimiter.consume(sender.id);
    request.sender = sender;
    request.webhookId = headers['webhook-id'];
    return true;
  }

  private verify(sender: Sender, body: Buffer, headers: Record<string, string>): void {
    const secrets = [sender.currentSecret, sender.previousSecret].filter((sealed): sealed is string => Boolean(sealed));
    let lastError: unknown;
    for (const sealed of secrets) {
      try {
        new Webhook(openSecret(sealed, this.env.SENDER_SECRET_KEY)).verify(body, headers, { jsonParse: false });
        return;
      } catch (error) {
        if (error instanceof WebhookVerificationError && /timestamp/i.test(error.message)) {
          throw unauthorised('webhook-timestamp is more than 5 minutes from our clock: check the sender clock, and sign each retry afresh');
        }
        if (!(error instanceof WebhookVerificationError)) this.logger.error(`Signing secret of sender ${sender.id} cannot be opened: ${describeError(error)}`);
        lastError = error;
      }
    }
    if (lastError instanceof WebhookVerificationError && lastError.message === 'Invalid Signature Headers') {
      throw unauthorised('webhook-timestamp must be Unix seconds');
    }
    throw unauthorised('unknown or disabled sender, or bad signature');
  }
}
