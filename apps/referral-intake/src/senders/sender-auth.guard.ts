import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ProblemException, WebhookHeaders, problem, describeError, verifyWebhook, webhookKey } from '@app/shared';
import { IntakeEnvironment } from '../environment';
import { JSON_CONTENT_TYPES, RequestWithRawBody } from '@app/shared';
import { SenderRateLimiter } from './rate-limiter';
import { openSecret } from './secret-box';
import { Sender } from './sender.entity';
import { SenderStore } from './sender.store';

export const SENDER_HEADER = 'x-sender-id';

/** The OpenAPI security schemes this guard enforces (declared in /docs; both are required together). */
export const SENDER_ID_SCHEME = 'senderId';
export const SIGNATURE_SCHEME = 'webhookSignature';

export const WEBHOOK_ID_MAX_LENGTH = 255;
const WEBHOOK_ID = new RegExp(`^[\\x21-\\x7e]{1,${WEBHOOK_ID_MAX_LENGTH}}$`);

export type AuthenticatedRequest = RequestWithRawBody & { sender: Sender; webhookId: string; gatedSender?: Sender };

/** How long an opened signing key is kept in memory: keyed by its sealed form, so a rotated or retired secret is never used. */
const KEY_CACHE_MS = 60_000;
const KEY_CACHE_MAX = 1000;

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
  /** Unsealing a secret on every request cost more than checking the signature with it. */
  private readonly keys = new Map<string, { key: Buffer; until: number }>();

  constructor(
    private readonly senders: SenderStore,
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
    const headers: WebhookHeaders = {
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
    // SenderGate read the sender before the body for the referral routes; other routes read it here.
    const sender = request.gatedSender?.id === senderId ? request.gatedSender : await this.senders.find(senderId);
    if (!sender || sender.disabledAt) throw unauthorised('unknown or disabled sender, or bad signature');
    this.verify(sender, request.rawBody ?? Buffer.alloc(0), headers);
    await this.rateLimiter.consume(sender.id);
    request.sender = sender;
    request.webhookId = headers['webhook-id'];
    return true;
  }

  private verify(sender: Sender, body: Buffer, headers: WebhookHeaders): void {
    const sealed = [sender.currentSecret, sender.previousSecret].filter((secret): secret is string => Boolean(secret));
    const verdict = verifyWebhook(sealed.map((secret) => this.keyOf(sender, secret)).filter((key): key is Buffer => key !== undefined), body, headers);
    if (verdict.ok) return;
    if (verdict.reason === 'stale-timestamp') {
      throw unauthorised('webhook-timestamp is more than 5 minutes from our clock: check the sender clock, and sign each retry afresh');
    }
    if (verdict.reason === 'bad-timestamp') throw unauthorised('webhook-timestamp must be Unix seconds');
    throw unauthorised('unknown or disabled sender, or bad signature');
  }

  private keyOf(sender: Sender, sealed: string): Buffer | undefined {
    const now = Date.now();
    const cached = this.keys.get(sealed);
    if (cached && cached.until > now) return cached.key;
    let key: Buffer;
    try {
      key = webhookKey(openSecret(sealed, this.env.SENDER_SECRET_KEY));
    } catch (error) {
      this.logger.error(`Signing secret of sender ${sender.id} cannot be opened: ${describeError(error)}`);
      return undefined;
    }
    if (this.keys.size >= KEY_CACHE_MAX) this.keys.clear();
    this.keys.set(sealed, { key, until: now + KEY_CACHE_MS });
    return key;
  }
}
