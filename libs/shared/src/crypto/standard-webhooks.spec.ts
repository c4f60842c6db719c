import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signWebhook, verifyWebhook, webhookKey } from './standard-webhooks';

describe('Standard Webhooks with node:crypto', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const other = `whsec_${randomBytes(32).toString('base64')}`;
  const body = JSON.stringify({ referral: 'Margaret', notes: 'naïve café' });
  const at = new Date();
  const headers = (signature: string, id = 'msg_1', timestamp = at) => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
  });

  it('signs exactly as the standardwebhooks package does, and accepts what it signs', () => {
    const theirs = new Webhook(secret).sign('msg_1', at, body);
    expect(signWebhook(secret, 'msg_1', at, body)).toBe(theirs);
    expect(verifyWebhook([webhookKey(secret)], Buffer.from(body), headers(theirs))).toEqual({ ok: true });
    expect(() => new Webhook(secret).verify(body, headers(signWebhook(secret, 'msg_1', at, body)))).not.toThrow();
  });

  it('accepts any listed v1 signature made with any of the keys (rotation), and nothing else', () => {
    const keys = [webhookKey(other), webhookKey(secret)];
    expect(verifyWebhook(keys, body, headers(`v2,abc ${signWebhook(secret, 'msg_1', at, body)}`))).toEqual({ ok: true });
    expect(verifyWebhook([webhookKey(other)], body, headers(signWebhook(secret, 'msg_1', at, body)))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyWebhook(keys, body.replace('Margaret', 'Margarex'), headers(signWebhook(secret, 'msg_1', at, body)))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyWebhook(keys, body, headers(signWebhook(secret, 'msg_1', at, body), 'msg_2'))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyWebhook(keys, body, headers('v1,'))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a timestamp more than 5 minutes off either way, or not a number, or missing headers', () => {
    const keys = [webhookKey(secret)];
    const old = new Date(at.getTime() - 301_000);
    const ahead = new Date(at.getTime() + 301_000);
    expect(verifyWebhook(keys, body, headers(signWebhook(secret, 'msg_1', old, body), 'msg_1', old), at)).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verifyWebhook(keys, body, headers(signWebhook(secret, 'msg_1', ahead, body), 'msg_1', ahead), at)).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verifyWebhook(keys, body, { ...headers('v1,x'), 'webhook-timestamp': 'yesterday' })).toEqual({ ok: false, reason: 'bad-timestamp' });
    expect(verifyWebhook(keys, body, { ...headers('v1,x'), 'webhook-id': '' })).toEqual({ ok: false, reason: 'missing-headers' });
  });

  it('refuses an empty secret', () => {
    expect(() => webhookKey('whsec_')).toThrow(/empty/);
  });
});
