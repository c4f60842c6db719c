import { randomBytes } from 'node:crypto';
import { Sealer } from '@app/shared';

/**
 * Signing secrets must be readable again (HMAC verification needs the raw secret), so they are sealed
 * rather than hashed, with the shared sealing under a key from SENDER_SECRET_KEY. The passphrase keeps the
 * key secrets were sealed with before the shared sealing, so stored secrets still open.
 */
function senderSecrets(secretKey: string): Sealer {
  return new Sealer(`referral-intake/sender-secrets:${secretKey}`);
}

export function sealSecret(plain: string, secretKey: string): string {
  return senderSecrets(secretKey).seal(plain);
}

export function openSecret(sealed: string, secretKey: string): string {
  return senderSecrets(secretKey).open(sealed);
}

/** A Standard Webhooks secret: whsec_ + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
