import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_BYTES = 16;

export type ActionLinkCheck = { valid: true; taskId: string; expiresAt: Date } | { valid: false; reason: 'malformed' | 'bad-signature' | 'expired' };

/**
 * Short signed links for SMS and email: base64url of the task id (16 bytes) and expiry (Unix seconds),
 * then a truncated HMAC-SHA256 over them. No referral data travels in the link itself.
 */
export class ActionLinkSigner {
  constructor(
    private readonly secret: string,
    private readonly ttlMs: number,
  ) {}

  sign(taskId: string, now = new Date()): { token: string; expiresAt: Date } {
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    const body = Buffer.alloc(20);
    Buffer.from(taskId.replace(/-/g, ''), 'hex').copy(body, 0);
    body.writeUInt32BE(Math.floor(expiresAt.getTime() / 1000), 16);
    return { token: `${body.toString('base64url')}.${this.mac(body).toString('base64url')}`, expiresAt };
  }

  verify(token: string, now = new Date()): ActionLinkCheck {
    const [bodyPart, macPart, ...rest] = token.split('.');
    if (!bodyPart || !macPart || rest.length > 0) return { valid: false, reason: 'malformed' };
    const body = Buffer.from(bodyPart, 'base64url');
    const mac = Buffer.from(macPart, 'base64url');
    if (body.length !== 20 || mac.length !== SIGNATURE_BYTES) return { valid: false, reason: 'malformed' };
    if (!timingSafeEqual(mac, this.mac(body))) return { valid: false, reason: 'bad-signature' };
    const expiresAt = new Date(body.readUInt32BE(16) * 1000);
    if (expiresAt.getTime() <= now.getTime()) return { valid: false, reason: 'expired' };
    const hex = body.subarray(0, 16).toString('hex');
    const taskId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return { valid: true, taskId, expiresAt };
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, SIGNATURE_BYTES);
  }
}
