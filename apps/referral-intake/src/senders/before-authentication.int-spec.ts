import { Socket, connect } from 'node:net';
import { IntakeHarness, startIntake } from '../testing/intake-harness';
import { JSON_REFERRAL_EXAMPLE } from '../referrals/examples';

/**
 * Issue 9: intake buffered and parsed up to 16 MiB for anyone before checking the signature. Now the
 * sender is checked before a byte of the body is read, only the batch route takes large bodies, and a
 * client flooding unauthenticated requests is answered 429.
 */
let intake: IntakeHarness;
let sender: { id: string; secret: string };

beforeAll(async () => {
  intake = await startIntake('before-auth', { UNAUTHENTICATED_LIMIT_PER_MINUTE: '5' });
  sender = await intake.addSender();
});

afterAll(async () => {
  await intake?.close();
});

/**
 * Sends only the request head announcing a large body, and waits for an answer without sending any of
 * it: an answer proves the server decided before reading the body.
 */
async function answerBeforeBody(path: string, headers: Record<string, string>, contentLength = 14_000_000): Promise<{ status: number; head: string }> {
  const url = new URL(intake.baseUrl);
  const socket: Socket = connect(Number(url.port), url.hostname);
  const head = [`POST ${path} HTTP/1.1`, `Host: ${url.host}`, 'Content-Type: application/json', `Content-Length: ${contentLength}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), '', ''].join('\r\n');
  socket.write(head);
  return new Promise((resolve, reject) => {
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer before the body was sent (${path})`));
    }, 3000);
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.includes('\r\n\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(received.split(' ')[1]), head: received });
      }
    });
    socket.on('error', reject);
  });
}

it('refuses a request that names no sender before reading its 14 MB body', async () => {
  const answer = await answerBeforeBody('/v1/referrals', { 'X-Forwarded-For': '198.51.100.1' });
  expect(answer.status).toBe(401);
  expect(answer.head.toLowerCase()).toContain('content-type: application/problem+json');
});

it('refuses an unknown sender before reading its body', async () => {
  expect((await answerBeforeBody('/v1/referrals:batch', { 'X-Sender-Id': 'no-such-sender', 'X-Forwarded-For': '198.51.100.2' })).status).toBe(401);
});

it('takes large bodies on the batch route only', async () => {
  const single = await answerBeforeBody('/v1/referrals', { 'X-Sender-Id': sender.id, 'X-Forwarded-For': '198.51.100.3' }, 1024 * 1024);
  expect(single.status).toBe(413);
  const batch = intake.send('/v1/referrals:batch', {
    senderId: sender.id,
    secrets: [sender.secret],
    body: { referrals: Array.from({ length: 200 }, (_, index) => ({ ...JSON_REFERRAL_EXAMPLE, senderReferralId: `BATCH-LIMIT-${index}-${Date.now()}`, notes: 'x'.repeat(1500) })) },
  });
  expect((await batch).status).toBe(200);
});

it('answers an unauthenticated flood with 429, without touching other clients or signed senders', async () => {
  const flood = { 'X-Forwarded-For': '203.0.113.9' };
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const response = await fetch(`${intake.baseUrl}/v1/referrals`, { method: 'POST', headers: { 'content-type': 'application/json', ...flood }, body: '{}' });
    statuses.push(response.status);
    if (response.status === 429) {
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  }
  expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
  expect(statuses.slice(6)).toEqual([429, 429]);
  const other = await fetch(`${intake.baseUrl}/v1/referrals`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Forwarded-For': '203.0.113.10' }, body: '{}' });
  expect(other.status).toBe(401);
  const signed = await intake.send(`/v1/referrals/${crypto.randomUUID()}`, { method: 'GET', senderId: sender.id, secrets: [sender.secret], headers: { 'X-Forwarded-For': '203.0.113.11' } });
  expect(signed.status).toBe(404);
});

it('counts a client on the Internet by its own address, whatever X-Forwarded-For it sends', async () => {
  const fastify = intake.app.getHttpAdapter().getInstance();
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const response = await fastify.inject({
      method: 'POST',
      url: '/v1/referrals',
      remoteAddress: '192.0.2.77',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${100 + attempt}` },
      payload: '{}',
    });
    statuses.push(response.statusCode);
  }
  expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
  expect(statuses.slice(6)).toEqual([429, 429]);
});
