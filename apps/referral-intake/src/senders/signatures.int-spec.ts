import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { JSON_REFERRAL_EXAMPLE } from '../referrals/examples';
import { IntakeHarness, JsonResponse, startIntake } from '../testing/intake-harness';
import { SenderStore } from './sender.store';
import { INTAKE_SCHEMA } from '../environment';

let intake: IntakeHarness;

beforeAll(async () => {
  intake = await startIntake('intake_signatures');
});

afterAll(async () => {
  await intake?.close();
});

const referral = (senderReferralId = `REF-${randomUUID()}`) => ({ ...JSON_REFERRAL_EXAMPLE, senderReferralId });

async function expectRefused(response: JsonResponse, status: number, before: Awaited<ReturnType<IntakeHarness['counts']>>): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await intake.counts()).toEqual(before);
  return (await response.json()) as Record<string, unknown>;
}

describe('Standard Webhooks signatures', () => {
  it('accepts a request signed by the standardwebhooks client', async () => {
    const sender = await intake.addSender();
    const body = JSON.stringify(referral());
    const webhookId = `msg_${randomUUID()}`;
    const now = new Date();
    const response = await fetch(`${intake.baseUrl}/v1/referrals`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sender-id': sender.id,
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(sender.secret).sign(webhookId, now, body),
      },
      body,
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ referralId: expect.any(String), status: 'received', statusUrl: expect.stringMatching(/^\/v1\/referrals\//) });
  });

  it('refuses missing headers, a bad signature, a signature over other bytes, an unknown sender: 401, nothing stored', async () => {
    const sender = await intake.addSender();
    const before = await intake.counts();
    const unsigned = await fetch(`${intake.baseUrl}/v1/referrals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sender-id': sender.id },
      body: JSON.stringify(referral()),
    });
    expect((await expectRefused(unsigned, 401, before)).detail).toMatch(/webhook-signature/);
    const noSender = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral(), headers: { 'x-sender-id': '' } });
    expect((await expectRefused(noSender, 401, before)).detail).toMatch(/X-Sender-Id/);
    const wrongSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    await expectRefused(await intake.send('/v1/referrals', { senderId: sender.id, secrets: [wrongSecret], body: referral() }), 401, before);
    await expectRefused(await intake.send('/v1/referrals', { senderId: 'no-such-sender', secrets: [sender.secret], body: referral() }), 401, before);
    const body = JSON.stringify(referral());
    const tampered = await intake.send('/v1/referrals', {
      senderId: sender.id,
      secrets: [sender.secret],
      body,
      headers: { 'webhook-signature': new Webhook(sender.secret).sign('msg_x', new Date(), body.replace('Margaret', 'Margarex')) },
    });
    await expectRefused(tampered, 401, before);
  });

  it('refuses a timestamp more than 5 minutes old or ahead: 401', async () => {
    const sender = await intake.addSender();
    const before = await intake.counts();
    for (const skewSeconds of [-330, 330]) {
      const response = await intake.send('/v1/referrals', {
        senderId: sender.id,
        secrets: [sender.secret],
        body: referral(),
        timestamp: new Date(Date.now() + skewSeconds * 1000),
      });
      expect((await expectRefused(response, 401, before)).detail).toMatch(/5 minutes/);
    }
    const justInside = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral(), timestamp: new Date(Date.now() - 240_000) });
    expect(justInside.status).toBe(202);
  });

  it('accepts both secrets during a rotation, and only the new one after retiring the old', async () => {
    const sender = await intake.addSender();
    const { secret: newSecret } = await new SenderStore(intake.dataSource).rotateSecret(sender.id, intake.env.SENDER_SECRET_KEY);
    expect((await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral() })).status).toBe(202);
    expect((await intake.send('/v1/referrals', { senderId: sender.id, secrets: [newSecret], body: referral() })).status).toBe(202);
    expect((await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret, newSecret], body: referral() })).status).toBe(202);
    await new SenderStore(intake.dataSource).retirePreviousSecret(sender.id);
    const before = await intake.counts();
    await expectRefused(await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral() }), 401, before);
    expect((await intake.send('/v1/referrals', { senderId: sender.id, secrets: [newSecret], body: referral() })).status).toBe(202);
  });

  it('refuses a disabled sender: 401', async () => {
    const sender = await intake.addSender();
    await new SenderStore(intake.dataSource).setDisabled(sender.id, true);
    const before = await intake.counts();
    await expectRefused(await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral() }), 401, before);
  });

  it('refuses a practice the sender does not serve: 403, nothing stored', async () => {
    const sender = await intake.addSender({ practiceOdsCodes: ['A81001'] });
    const before = await intake.counts();
    const response = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: { ...referral(), practiceOdsCode: 'B86016' } });
    expect((await expectRefused(response, 403, before)).detail).toMatch(/B86016/);
  });

  it('refuses a replayed webhook-id with a different body (422) and replays it with the same body', async () => {
    const sender = await intake.addSender();
    const webhookId = `msg_${randomUUID()}`;
    const first = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral('REF-replay-1'), webhookId });
    expect(first.status).toBe(202);
    const { referralId } = await first.json();
    const before = await intake.counts();
    const other = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral('REF-replay-2'), webhookId });
    expect((await expectRefused(other, 422, before)).detail).toMatch(/webhook-id/);
    const again = await intake.send('/v1/referrals', { senderId: sender.id, secrets: [sender.secret], body: referral('REF-replay-1'), webhookId });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await again.json()).referralId).toBe(referralId);
    expect(await intake.counts()).toEqual(before);
  });

  it('shows a referral only to the sender that sent it (signed GET)', async () => {
    const owner = await intake.addSender();
    const stranger = await intake.addSender();
    const created = await intake.send('/v1/referrals', { senderId: owner.id, secrets: [owner.secret], body: referral() });
    const { referralId, statusUrl } = await created.json();
    const mine = await intake.send(statusUrl, { method: 'GET', senderId: owner.id, secrets: [owner.secret] });
    expect(mine.status).toBe(200);
    expect(await mine.json()).toMatchObject({ referralId, status: 'received', practiceOdsCode: 'B86016', needs: ['loneliness', 'green-nature'] });
    const theirs = await intake.send(statusUrl, { method: 'GET', senderId: stranger.id, secrets: [stranger.secret] });
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const unsigned = await fetch(`${intake.baseUrl}${statusUrl}`);
    expect(unsigned.status).toBe(401);
  });

  it('registers senders from scripts with any DataSource, refusing bad practice codes', async () => {
    await expect(new SenderStore(intake.dataSource).register({ name: 'Bad', practiceOdsCodes: ['A8100'] }, intake.env.SENDER_SECRET_KEY)).rejects.toThrow(/ODS/);
    const [row] = await intake.dataSource.query(`SELECT "current_secret" FROM "${INTAKE_SCHEMA}"."sender" LIMIT 1`);
    expect(row.current_secret).toMatch(/^s2\./);
    expect(row.current_secret).not.toMatch(/whsec_/);
  });
});
