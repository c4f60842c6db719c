import { EventType, createEvent, openReferralPerson, sealReceivedPayload } from '../events';
import { createCipheriv, randomBytes } from 'node:crypto';
import { Sealer, SealedValueError, sealingKeyId } from './sealing';

const key = Buffer.alloc(32, 9).toString('base64');

describe('Sealer (AES-256-GCM)', () => {
  const sealer = new Sealer(key);

  it('opens what it sealed, for the same associated data only', () => {
    const sealed = sealer.seal('Margaret Oyelaran', 'referral:1');
    expect(Sealer.isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('Margaret');
    expect(sealer.open(sealed, 'referral:1')).toBe('Margaret Oyelaran');
    expect(() => sealer.open(sealed, 'referral:2')).toThrow(SealedValueError);
  });

  it('refuses an altered value and another key', () => {
    const sealed = sealer.seal('9434765919', 'x');
    const [format, keyId, nonce, body, tag] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(() => sealer.open([format, keyId, nonce, flipped.toString('base64url'), tag].join('.'), 'x')).toThrow(SealedValueError);
    expect(() => new Sealer(Buffer.alloc(32, 1).toString('base64')).open(sealed, 'x')).toThrow(SealedValueError);
    expect(() => sealer.open('not sealed', 'x')).toThrow(SealedValueError);
  });

  it('seals the same text differently each time (fresh nonce)', () => {
    expect(sealer.seal('same', 'a')).not.toBe(sealer.seal('same', 'a'));
  });
});

describe('Sealer key rotation and stored layouts', () => {
  const current = Buffer.alloc(32, 3).toString('base64');
  const previous = Buffer.alloc(32, 4).toString('base64');

  function gcm(secret: string, plain: string, aad?: string) {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(secret, 'base64'), nonce);
    if (aad) cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { nonce, body, tag: cipher.getAuthTag() };
  }

  it('names the sealing key, seals with the first key and opens with any, and says what to reseal', () => {
    const old = new Sealer(previous).seal('whsec_old', 'sender:1');
    expect(old.split('.')[1]).toBe(sealingKeyId(previous));
    const rotated = new Sealer([current, previous]);
    expect(rotated.open(old, 'sender:1')).toBe('whsec_old');
    expect(rotated.needsResealing(old)).toBe(true);
    expect(rotated.needsResealing(rotated.seal('whsec_old', 'sender:1'))).toBe(false);
    expect(() => new Sealer(current).open(old, 'sender:1')).toThrow(/not configured/);
  });

  it('opens values stored before one sealing existed: s1, outcomes (bare) and the notifier (v1.)', () => {
    const a = gcm(current, 'event field', 'referral:1');
    expect(new Sealer(current).open(['s1', a.nonce.toString('base64url'), a.body.toString('base64url'), a.tag.toString('base64url')].join('.'), 'referral:1')).toBe('event field');
    const b = gcm(current, '9434765919');
    expect(new Sealer(current).open(Buffer.concat([b.nonce, b.tag, b.body]).toString('base64url'))).toBe('9434765919');
    const c = gcm(current, '{"givenName":"Margaret"}', 'referral:1');
    const notifier = ['v1', c.nonce.toString('base64url'), c.body.toString('base64url'), c.tag.toString('base64url')].join('.');
    expect(new Sealer(current).openJson(notifier, 'referral:1')).toEqual({ givenName: 'Margaret' });
  });
});

describe('the person in referral.received', () => {
  const sealer = new Sealer(key);
  const plain = {
    practiceOdsCode: 'A81001',
    needs: ['loneliness'],
    urgency: 'routine' as const,
    consentToShare: true as const,
    patient: { nhsNumber: '9434765919', givenName: 'Margaret', familyName: 'Oyelaran', dateOfBirth: '1948-02-11', email: 'margaret@example.com' },
    notes: 'Widowed last year',
    receivedAt: '2026-11-24T09:00:00.000Z',
  };

  it('travels sealed, bound to its referral, and opens with the one helper', () => {
    const envelope = createEvent({ type: EventType.ReferralReceived, referralId: 'r-1', correlationId: 'c', source: 'test', payload: sealReceivedPayload(sealer, 'r-1', plain) });
    const wire = JSON.stringify(envelope);
    for (const value of ['9434765919', 'Margaret', 'Oyelaran', '1948-02-11', 'margaret@example.com', 'Widowed']) expect(wire).not.toContain(value);
    expect(envelope.payload).toMatchObject({ practiceOdsCode: 'A81001', needs: ['loneliness'] });
    expect(openReferralPerson(sealer, envelope)).toEqual({ patient: plain.patient, notes: plain.notes });
    expect(() => openReferralPerson(sealer, { ...envelope, referralId: 'r-2' })).toThrow(SealedValueError);
  });
});
