import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com) signatures with node:crypto, the one copy every
 * service signs and verifies with (intake's sender guard and status callbacks, outcomes' recording webhook).
 * node:crypto's native HMAC-SHA256 costs a fifth of the `standardwebhooks` package's JavaScript SHA-256, and
 * the key is decoded once by webhookKey, not on every request. Interoperable with that package: a secret is
 * "whsec_" + base64 of its key bytes; a signature is "v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>".
 */

/** How far webhook-timestamp may be from our clock, either way (the Standard Webhooks default). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const SECRET_PREFIX = 'whsec_';

/** A secret's key bytes ("whsec_" + base64, or bare base64). */
export function webhookKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  if (key.length === 0) throw new Error('A webhook secret cannot be empty');
  return key;
}

function digest(key: Buffer, id: string, timestampSeconds: number, body: Buffer | string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest();
}

/** The webhook-signature value for one secret ("v1,<base64>"); several are joined with spaces. */
export function signWebhook(secret: string | Buffer, id: string, timestamp: Date, body: Buffer | string): string {
  const key = typeof secret === 'string' ? webhookKey(secret) : secret;
  return `v1,${digest(key, id, Math.floor(timestamp.getTime() / 1000), body).toString('base64')}`;
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Why a message was refused: a header missing, a timestamp that is not Unix seconds or too far off, no matching signature. */
export type WebhookVerdict = { ok: true } | { ok: false; reason: 'missing-headers' | 'bad-timestamp' | 'stale-timestamp' | 'bad-signature' };

/**
 * Checks a message against every key (both secrets during a rotation): valid when any v1 signature in
 * the header matches any key's HMAC over the exact body bytes, compared in constant time.
 */
export function verifyWebhook(keys: Buffer[], body: Buffer | string, headers: WebhookHeaders, now = new Date()): WebhookVerdict {
  const { 'webhook-id': id, 'webhook-timestamp': stamp, 'webhook-signature': header } = headers;
  if (!id || !stamp || !header) return { ok: false, reason: 'missing-headers' };
  const timestamp = parseInt(stamp, 10);
  if (Number.isNaN(timestamp)) return { ok: false, reason: 'bad-timestamp' };
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > WEBHOOK_TOLERANCE_SECONDS) return { ok: false, reason: 'stale-timestamp' };
  const offered = header
    .split(' ')
    .filter((versioned) => versioned.startsWith('v1,'))
    .map((versioned) => Buffer.from(versioned.slice(3), 'base64'));
  for (const key of keys) {
    const expected = digest(key, id, timestamp, body);
    if (offered.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected))) return { ok: true };
  }
  return { ok: false, reason: 'bad-signature' };
}
