import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Current sealed form: "s2.<key id>.<nonce>.<ciphertext>.<tag>", base64url. */
const FORMAT = 's2';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A key as configured: 32 bytes in base64, or any passphrase (hashed to 32 bytes). */
function keyFrom(secret: string): Buffer {
  const decoded = Buffer.from(secret, 'base64');
  return decoded.length === 32 && /^[A-Za-z0-9+/]{43}=$/.test(secret) ? decoded : createHash('sha256').update(secret).digest();
}

/** A key's id is a fingerprint of the key, so no id is configured and none can be mislabelled. */
export function sealingKeyId(secret: string): string {
  return createHash('sha256').update('sealing-key-id:').update(keyFrom(secret)).digest('base64url').slice(0, 8);
}

interface Parsed {
  keyId?: string;
  nonce: Buffer;
  body: Buffer;
  tag: Buffer;
}

const b64url = (text: string) => Buffer.from(text, 'base64url');

/**
 * Every layout our services have written: the current one and those written before one sealing existed
 * (s1 without a key id; intake's senders "v1:nonce:tag:body" in base64; outcomes' bare base64url of
 * nonce ‖ tag ‖ body; the notifier's "v1.nonce.body.tag"), so stored values stay readable and can be
 * resealed when next written (see `needsResealing`).
 */
function parse(sealed: unknown): Parsed | undefined {
  if (typeof sealed !== 'string' || sealed.length === 0) return undefined;
  const dots = sealed.split('.');
  if (dots.length === 5 && dots[0] === FORMAT) return { keyId: dots[1], nonce: b64url(dots[2]), body: b64url(dots[3]), tag: b64url(dots[4]) };
  if (dots.length === 4 && (dots[0] === 's1' || dots[0] === 'v1')) return { nonce: b64url(dots[1]), body: b64url(dots[2]), tag: b64url(dots[3]) };
  const colons = sealed.split(':');
  if (colons.length === 4 && colons[0] === 'v1') {
    return { nonce: Buffer.from(colons[1], 'base64'), tag: Buffer.from(colons[2], 'base64'), body: Buffer.from(colons[3], 'base64') };
  }
  if (/^[A-Za-z0-9_-]+$/.test(sealed)) {
    const raw = b64url(sealed);
    if (raw.length < NONCE_BYTES + TAG_BYTES) return undefined;
    return { nonce: raw.subarray(0, NONCE_BYTES), tag: raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES), body: raw.subarray(NONCE_BYTES + TAG_BYTES) };
  }
  return undefined;
}

/**
 * Authenticated encryption (AES-256-GCM, a fresh 96-bit nonce per seal) of text we must carry or keep but
 * never show in clear: signing secrets, NHS numbers at rest, the person's details, sealed event fields.
 * The associated data binds a sealed value to where it belongs (a referral id, an event id): copied
 * anywhere else it does not open. The key's id travels with the value, so keys rotate: the first key
 * seals, every key given opens.
 */
export class Sealer {
  private readonly keys: ReadonlyArray<{ id: string; key: Buffer }>;

  /** One key, or the current key followed by the previous ones while rotating. */
  constructor(secrets: string | readonly string[]) {
    const list = typeof secrets === 'string' ? [secrets] : secrets;
    if (list.length === 0) throw new SealedValueError('a sealer needs at least one key');
    this.keys = list.map((secret) => ({ id: sealingKeyId(secret), key: keyFrom(secret) }));
  }

  /** The id of the key new values are sealed with. */
  get currentKeyId(): string {
    return this.keys[0].id;
  }

  seal(plain: string, associatedData?: string): string {
    const { id, key } = this.keys[0];
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [FORMAT, id, nonce.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** Throws when the value was not sealed by one of these keys for this associated data, or was altered. */
  open(sealed: string, associatedData?: string): string {
    const parsed = parse(sealed);
    if (!parsed) throw new SealedValueError('not a sealed value');
    const candidates = parsed.keyId ? this.keys.filter((key) => key.id === parsed.keyId) : this.keys;
    for (const { key } of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, parsed.nonce);
        if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
        decipher.setAuthTag(parsed.tag);
        return Buffer.concat([decipher.update(parsed.body), decipher.final()]).toString('utf8');
      } catch {
        // A wrong key fails authentication: try the next.
      }
    }
    throw new SealedValueError(
      candidates.length === 0 ? `sealed with key ${parsed.keyId}, which is not configured` : 'the sealed value does not open with this key here (wrong key, altered, or moved)',
    );
  }

  sealJson(value: unknown, associatedData?: string): string {
    return this.seal(JSON.stringify(value), associatedData);
  }

  openJson<T>(sealed: string, associatedData?: string): T {
    return JSON.parse(this.open(sealed, associatedData)) as T;
  }

  /** Whether a stored value should be sealed again: an older layout, or an older key. */
  needsResealing(sealed: string): boolean {
    return parse(sealed)?.keyId !== this.currentKeyId;
  }

  /** A value in the current or the s1 layout (what events carry); older at-rest layouts are not recognised here. */
  static isSealed(value: unknown): value is string {
    if (typeof value !== 'string') return false;
    const parts = value.split('.');
    return (parts[0] === FORMAT && parts.length === 5) || (parts[0] === 's1' && parts.length === 4);
  }
}

export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}
