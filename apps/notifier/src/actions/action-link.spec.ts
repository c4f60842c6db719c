import { ActionLinkSigner } from './action-link';

const TASK = '3f2c8d4e-1b6a-4c9e-8f10-2a3b4c5d6e7f';

describe('ActionLinkSigner', () => {
  const signer = new ActionLinkSigner('a-secret-of-some-length', 60_000);

  it('round-trips a task id until the link expires', () => {
    const now = new Date('2026-03-02T09:00:00Z');
    const { token, expiresAt } = signer.sign(TASK, now);
    expect(signer.verify(token, new Date(now.getTime() + 30_000))).toEqual({ valid: true, taskId: TASK, expiresAt });
    expect(signer.verify(token, new Date(now.getTime() + 60_000))).toEqual({ valid: false, reason: 'expired' });
  });

  it('is short enough for an SMS', () => {
    expect(signer.sign(TASK).token.length).toBeLessThanOrEqual(50);
  });

  it('rejects a link signed with another secret or altered', () => {
    const { token } = signer.sign(TASK);
    expect(new ActionLinkSigner('another-secret-entirely', 60_000).verify(token)).toEqual({ valid: false, reason: 'bad-signature' });
    const [body, mac] = token.split('.');
    const altered = Buffer.from(body, 'base64url');
    altered[0] ^= 1;
    expect(signer.verify(`${altered.toString('base64url')}.${mac}`)).toEqual({ valid: false, reason: 'bad-signature' });
    expect(signer.verify('nonsense')).toEqual({ valid: false, reason: 'malformed' });
  });
});
