import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { STATUS_CODES } from 'node:http';
import { INLINE_STYLES_CSP, allQueues, logQueueErrors, producerConnection, sameSecret } from '@app/shared';
import { NotifierEnvironment } from '../environment';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The BullMQ dashboard (bull-board) at /admin/queues: every queue of every service (events and jobs, from the
 * one registry). Behind the admin key: the x-api-key header, or HTTP Basic with the key as password so a browser
 * can open it. Read-only unless QUEUE_DASHBOARD_READ_ONLY=false (retry, promote and clean then appear).
 */
export function mountQueueDashboard(app: NestFastifyApplication, env: NotifierEnvironment): void {
  const connection = producerConnection(env.REDIS_URL);
  const names = allQueues().map(({ queue }) => queue);
  const logger = new Logger('QueueDashboard');
  const queues = names.map((name) => {
    const queue = new Queue(name, { connection, prefix: env.REDIS_PREFIX, skipWaitingForReady: true });
    logQueueErrors(queue, logger, `Queue ${name} (dashboard)`);
    return queue;
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: env.QUEUE_DASHBOARD_READ_ONLY !== 'false' })),
    serverAdapter,
    // Redis server details (version, memory, clients) are for Redis's own monitoring, not this board.
    options: { uiConfig: { boardTitle: 'Referral queues', hideRedisDetails: true } },
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.register(async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        const header = request.headers['x-api-key'];
        const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
        const password = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : undefined;
        if ((typeof header === 'string' && sameSecret(header, env.NOTIFIER_ADMIN_API_KEY)) || sameSecret(password, env.NOTIFIER_ADMIN_API_KEY)) return;
        await reply
          .code(401)
          .header('www-authenticate', 'Basic realm="queues", charset="UTF-8"')
          .header('content-type', 'application/problem+json')
          .send({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'The queue dashboard needs the admin key (x-api-key, or as the Basic password).' });
      });
      scope.addHook('onSend', async (_request, reply, payload) => {
        // The board's React UI sets style attributes and one <style> as it renders: inline styles only are
        // allowed here (its scripts are its own files, 'self'). Its page also asks Google for a web font: an
        // operator's browser must not tell a third party it opened this, so the link goes (a system font shows).
        reply.header('content-security-policy', INLINE_STYLES_CSP);
        if (typeof payload === 'string' && String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
          return payload.replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/g, '');
        }
        // bull-board answers its own refusals in plain text or JSON: ours are problem+json everywhere.
        const status = reply.statusCode;
        if (status < 400 || String(reply.getHeader('content-type') ?? '').includes('problem+json')) return payload;
        reply.header('content-type', 'application/problem+json');
        return JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail: `The queue dashboard refused this request (${STATUS_CODES[status] ?? status}).` });
      });
      await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
  fastify.addHook('onClose', async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    connection.disconnect();
  });
}
