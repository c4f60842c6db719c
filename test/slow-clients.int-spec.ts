import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AddressInfo, Socket, connect } from 'node:net';
import { startNotifier, NotifierHarness } from '../apps/notifier/src/testing/notifier-test-app';
import { OutcomesHarness, startOutcomes } from '../apps/outcomes/src/testing/harness';
import { IntakeHarness, startIntake } from '../apps/referral-intake/src/testing/intake-harness';

/**
 * Issue 9: a client sending one byte every 5 s held a connection for over 95 s on every service. Each
 * service now cuts off a request that is not complete within HTTP_REQUEST_TIMEOUT_MS (shortened here).
 */
const TIMEOUTS = { HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_IDLE_TIMEOUT_MS: '5000' };
let intake: IntakeHarness;
let notifier: NotifierHarness;
let outcomes: OutcomesHarness;

beforeAll(async () => {
  [intake, notifier, outcomes] = await Promise.all([startIntake('slow-clients', TIMEOUTS), startNotifier('slow-clients', TIMEOUTS), startOutcomes('slow-clients', TIMEOUTS)]);
  await outcomes.app.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await Promise.all([intake?.close(), notifier?.close(), outcomes?.close()]);
});

function portOf(app: NestFastifyApplication): number {
  return (app.getHttpServer().address() as AddressInfo).port;
}

/** Sends a request a byte at a time, one byte every 300 ms; resolves with how long the server kept the connection open. */
function trickle(port: number, path: string): Promise<number> {
  const request = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n${'{"a":"'.padEnd(1000, 'x')}`;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let sent = 0;
    const timer = setInterval(() => {
      if (Date.now() - started > 10_000) {
        clearInterval(timer);
        socket.destroy();
        reject(new Error(`${path} on port ${port} still held the connection after 10 s`));
        return;
      }
      if (!socket.destroyed && sent < request.length) socket.write(request[sent++]);
    }, 300);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
    socket.on('error', () => undefined);
  });
}

it.each([
  ['referral-intake', () => portOf(intake.app), '/v1/referrals'],
  ['notifier', () => portOf(notifier.app), '/v1/notify/callbacks'],
  ['outcomes', () => portOf(outcomes.app), '/v1/referrals/00000000-0000-4000-8000-000000000000/outcomes'],
])('%s cuts off a client that sends one byte at a time', async (_service, port, path) => {
  const held = await trickle(port(), path);
  expect(held).toBeLessThan(4000);
});
