import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Sealer } from '@app/shared';

/**
 * Key handling for patient identifiers. Every key is derived from one master secret with HKDF, each for
 * one purpose, so a key given to (or leaked by) one use says nothing about another.
 */
export class Secrets {
  /** Made once: a feed page opens an NHS number per referral on it. */
  private readonly atRest: Sealer;

  constructor(private readonly masterKey: string) {
    this.atRest = new Sealer(this.derive('nhs-number-at-rest', '').toString('base64'));
  }

  /** A commissioner's pseudonym key. The salt is per commissioner; a new salt rotates every pseudonym they see. */
  pseudonymKey(salt: string): Buffer {
    return this.derive('commissioner-pseudonym', salt);
  }

  /** Keys for opaque references (events, referrals, cursors) that must not be linkable across recipients. */
  referenceKey(salt: string): Buffer {
    return this.derive('commissioner-reference', salt);
  }

  cursorKey(salt: string): Buffer {
    return this.derive('feed-cursor', salt);
  }

  webhookSecretKey(): Buffer {
    return this.derive('webhook-secret-at-rest', '');
  }

  /** NHS numbers are kept only to derive pseudonyms: encrypted at rest, AES-256-GCM. */
  encryptNhsNumber(nhsNumber: string): string {
    return this.atRest.seal(nhsNumber);
  }

  decryptNhsNumber(sealed: string): string {
    return this.atRest.open(sealed);
  }

  private derive(purpose: string, salt: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.masterKey, salt, purpose, 32));
  }
}

/** HMAC-SHA256 of the NHS number under a recipient's key: stable for that recipient, unlinkable across recipients. */
export function pseudonymOf(key: Buffer, nhsNumber: string): string {
  return createHmac('sha256', key).update(nhsNumber.replace(/\s/g, '')).digest('hex');
}

/** A short keyed reference to an internal id, so rows can be told apart without exposing our ids. */
export function referenceOf(key: Buffer, id: string): string {
  return createHmac('sha256', key).update(id).digest('base64url').slice(0, 22);
}

/** Sealed with the shared sealing (AES-256-GCM with a key id); values written before it still open. */
export function encrypt(key: Buffer, plain: string): string {
  return new Sealer(key.toString('base64')).seal(plain);
}

export function decrypt(key: Buffer, sealed: string): string {
  return new Sealer(key.toString('base64')).open(sealed);
}

/**
 * API keys carry 256 random bits, so a plain SHA-256 is enough to store them (no dictionary to attack)
 * and lets a request find its key by index.
 */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export function newApiKey(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function newSalt(): string {
  return randomBytes(16).toString('base64url');
}
