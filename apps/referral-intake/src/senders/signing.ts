import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface SignRequestOptions {
  senderId: string;
  /** One secret, or both during a rotation (the request then carries both signatures). */
  secrets: string[];
  /** The exact bytes to send; objects are serialised once here so the signature covers what is sent. */
  body?: string | object;
  contentType?: string;
  webhookId?: string;
  timestamp?: Date;
}

/**
 * What a sender does before each request, with the off-the-shelf standardwebhooks client: for scripts,
 * demos and tests. GET requests sign an empty body.
 */
export function signRequest(options: SignRequestOptions): { headers: Record<string, string>; body: string } {
  const body = options.body === undefined ? '' : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const webhookId = options.webhookId ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? new Date();
  return {
    body,
    headers: {
      ...(options.body !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
      'x-sender-id': options.senderId,
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': options.secrets.map((secret) => new Webhook(secret).sign(webhookId, timestamp, body)).join(' '),
    },
  };
}
