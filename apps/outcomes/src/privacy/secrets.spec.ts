import { createHash } from 'node:crypto';
import { CommissionerLens } from '../commissioners/commissioner-lens';
import { Commissioner } from '../commissioners/commissioner';
import { Secrets, decrypt, encrypt, hashApiKey, newApiKey } from './secrets';

const secrets = new Secrets('a-master-key-for-tests-that-is-long-enough');
const commissioner = (id: string, pseudonymSalt: string): Commissioner => ({ id, name: id, kind: 'commissioner', scopeLevel: 'icb', scopeCodes: ['QHM'], pseudonymSalt });

describe('pseudonyms and secrets', () => {
  const nhsNumber = '9434765919';
  const north = new CommissionerLens(secrets, commissioner('north', 'salt-north'));
  const south = new CommissionerLens(secrets, commissioner('south', 'salt-south'));

  it('gives one person the same pseudonym every time for one commissioner', () => {
    const sealed = secrets.encryptNhsNumber(nhsNumber);
    expect(north.pseudonym(sealed)).toBe(north.pseudonymOfNhsNumber(nhsNumber));
    expect(north.pseudonym(secrets.encryptNhsNumber(nhsNumber))).toBe(north.pseudonym(sealed));
    expect(new CommissionerLens(new Secrets('a-master-key-for-tests-that-is-long-enough'), commissioner('north', 'salt-north')).pseudonymOfNhsNumber(nhsNumber)).toBe(
      north.pseudonymOfNhsNumber(nhsNumber),
    );
  });

  it('gives two commissioners pseudonyms, references and cursors that cannot be joined', () => {
    expect(north.pseudonymOfNhsNumber(nhsNumber)).not.toBe(south.pseudonymOfNhsNumber(nhsNumber));
    expect(north.referralRef('r-1')).not.toBe(south.referralRef('r-1'));
    expect(north.pseudonymOfNhsNumber(nhsNumber)).not.toBe(createHash('sha256').update(nhsNumber).digest('hex'));
    expect(south.openCursor(north.sealCursor(42))).toBeNull();
    expect(north.openCursor(north.sealCursor(42))).toBe(42);
  });

  it('changes every pseudonym when a commissioner key is rotated (a new salt)', () => {
    const rotated = new CommissionerLens(secrets, commissioner('north', 'salt-north-2'));
    expect(rotated.pseudonymOfNhsNumber(nhsNumber)).not.toBe(north.pseudonymOfNhsNumber(nhsNumber));
  });

  it('keeps NHS numbers encrypted at rest, tamper-evident', () => {
    const sealed = secrets.encryptNhsNumber(nhsNumber);
    expect(sealed).not.toContain(nhsNumber);
    expect(secrets.decryptNhsNumber(sealed)).toBe(nhsNumber);
    const tampered = Buffer.from(sealed, 'base64url');
    tampered[tampered.length - 1] ^= 1;
    expect(() => secrets.decryptNhsNumber(tampered.toString('base64url'))).toThrow();
    expect(() => new Secrets('another-master-key-that-is-long-enough!!').decryptNhsNumber(sealed)).toThrow();
  });

  it('stores API keys only as hashes', () => {
    const key = newApiKey('spc');
    expect(key).toMatch(/^spc_[A-Za-z0-9_-]{43}$/);
    expect(hashApiKey(key)).not.toContain(key);
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(decrypt(Buffer.alloc(32, 1), encrypt(Buffer.alloc(32, 1), 'x'))).toBe('x');
  });
});
