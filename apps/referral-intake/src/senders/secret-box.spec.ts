import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, openSecret, sealSecret } from './secret-box';

describe('sender secret box', () => {
  it('round-trips a secret and never stores it in the clear', () => {
    const secret = generateSigningSecret();
    const sealed = sealSecret(secret, 'a-key-of-sixteen-chars');
    expect(sealed).not.toContain(secret.slice(6));
    expect(openSecret(sealed, 'a-key-of-sixteen-chars')).toBe(secret);
  });

  it('cannot be opened with another key or after tampering', () => {
    const sealed = sealSecret(generateSigningSecret(), 'a-key-of-sixteen-chars');
    expect(() => openSecret(sealed, 'another-key-sixteen-chars')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => openSecret(parts.join('.'), 'a-key-of-sixteen-chars')).toThrow();
  });

  it('still opens secrets sealed before the shared sealing (v1:nonce:tag:body)', () => {
    const key = createHash('sha256').update('referral-intake/sender-secrets:a-key-of-sixteen-chars').digest();
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const body = Buffer.concat([cipher.update('whsec_stored-before', 'utf8'), cipher.final()]);
    const stored = ['v1', nonce.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
    expect(openSecret(stored, 'a-key-of-sixteen-chars')).toBe('whsec_stored-before');
  });

  it('generates secrets the standardwebhooks library accepts, 32 random bytes each', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(() => new Webhook(secret)).not.toThrow();
    expect(generateSigningSecret()).not.toBe(secret);
  });
});
