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
    const parts = sealed.split(':');
    parts[3] = Buffer.from('tampered').toString('base64');
    expect(() => openSecret(parts.join(':'), 'a-key-of-sixteen-chars')).toThrow();
  });

  it('generates secrets the standardwebhooks library accepts, 32 random bytes each', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(() => new Webhook(secret)).not.toThrow();
    expect(generateSigningSecret()).not.toBe(secret);
  });
});
