import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { BaseEnvironment, EnvironmentError } from './config/environment';
import { DependencyUnreachableError, assertRedisReachable, prepareDatabase } from './database/connectivity';
import { PROBLEM_CONTENT_TYPE, ProblemDetailsFilter, problem } from './http/problem-details';
import { recordRoutes } from './http/route-table';
import { StorableInputInterceptor } from './http/storable-input';
import { ServiceMetrics } from './metrics/service-metrics';
import { connectEventConsumer } from './transport/event-transport.module';

export interface ServiceAppOptions {
  module: DynamicModule;
  databaseUrl: string;
  redisUrl: string;
  schemas: string[];
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Whether the app consumes events from its queue (false for one-off commands). */
  consumeEvents?: boolean;
  /** Request and idle timeouts (HTTP_REQUEST_TIMEOUT_MS, HTTP_IDLE_TIMEOUT_MS) and trusted proxies (TRUST_PROXY); the defaults are BaseEnvironment's. */
  timeouts?: HttpTimeouts;
}

export interface HttpTimeouts {
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  trustProxy: string;
}

/** How the HTTP server treats its clients, from a service's environment: deadlines and trusted proxies. */
export function httpTimeouts(env: Pick<BaseEnvironment, 'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_IDLE_TIMEOUT_MS' | 'TRUST_PROXY'>): HttpTimeouts {
  return { requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS, idleTimeoutMs: env.HTTP_IDLE_TIMEOUT_MS, trustProxy: env.TRUST_PROXY };
}

/**
 * Node checks request deadlines on an interval (30 s by default), so a short deadline would be enforced
 * late: check at least twice per deadline. Headers must arrive within the request deadline too.
 */
function serverTimeoutOptions({ requestTimeoutMs, idleTimeoutMs, trustProxy }: HttpTimeouts) {
  return {
    trustProxy: trustProxy === 'true' ? true : trustProxy === 'false' ? false : trustProxy,
    requestTimeout: requestTimeoutMs,
    connectionTimeout: idleTimeoutMs,
    http: { headersTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(requestTimeoutMs / 2))) },
  };
}

/**
 * Everything the three services do alike before listening: check dependencies once with a clear
 * message, create the Fastify app with JSON logs, problem+json errors and the event consumer.
 */
export async function createServiceApp(options: ServiceAppOptions): Promise<NestFastifyApplication> {
  await prepareDatabase(options.databaseUrl, options.schemas);
  await assertRedisReachable(options.redisUrl);
  const app = await NestFactory.create<NestFastifyApplication>(
    options.module,
    new FastifyAdapter({
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      ...serverTimeoutOptions(options.timeouts ?? httpTimeouts(new BaseEnvironment())),
      // Addresses Fastify refuses before routing (malformed percent-encoding, an over-long parameter)
      // are answered like every other refusal: problem+json.
      frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
        const status = (error as { statusCode?: number }).statusCode ?? 400;
        reply
          .code(status)
          .header('content-type', PROBLEM_CONTENT_TYPE)
          .header('cache-control', 'no-store')
          .send(problem(status, 'The address is not a valid URL.', { instance: request.url.split('?')[0].slice(0, 200) }));
      },
    }),
    { bufferLogs: true, abortOnError: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  recordRoutes(fastify);
  // Our answers carry referral data, or say something about it: no browser or proxy may keep a copy.
  // Static files (the page shell's assets, API docs) set their own caching and keep it.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  recordRequestMetrics(app);
  app.useLogger(app.get(Logger));
  // Nest flushes buffered lines only in listen(); apps that are only initialised (tests, commands) log too.
  app.flushLogs();
  await registerSecurityHeaders(app);
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalInterceptors(new StorableInputInterceptor());
  if (options.consumeEvents !== false) {
    connectEventConsumer(app);
    await app.startAllMicroservices();
  }
  return app;
}

/** Every request's duration by method, route pattern (never the URL) and status, for /metrics. */
function recordRequestMetrics(app: NestFastifyApplication): void {
  let metrics: ServiceMetrics;
  try {
    metrics = app.get(ServiceMetrics, { strict: false });
  } catch {
    return;
  }
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request.method, request.routeOptions?.url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
}

/**
 * Security headers on every response of every service (helmet). The CSP allows nothing inline (no inline
 * scripts, styles or style attributes), nothing from other origins, no framing and forms posting only to
 * us. Responses are `Cache-Control: no-store` unless a route says otherwise (static assets do): pages and
 * API responses may carry referral data, which must not sit in shared or browser caches.
 *
 * helmet's middleware is built once here. The @fastify/helmet plugin built it again for every request,
 * parsing the CSP each time: about 23 µs of every request's CPU in intake's profile.
 */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  const securityHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    // Swagger UI (the API docs at /docs) injects <style> elements and style attributes as it renders;
    // without inline styles its icon sprite covers the page. Only styles are relaxed, only there:
    // scripts stay 'self', and /docs shows no referral data.
    if (request.url === '/docs' || request.url.startsWith('/docs/')) reply.header('content-security-policy', INLINE_STYLES_CSP);
    return payload;
  });
}

const CSP_DIRECTIVES: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
};

/**
 * The policy above with inline styles allowed, and nothing else relaxed, for third-party pages that style
 * elements as they render (Swagger UI at /docs, the queue dashboard at /admin/queues). Scripts stay 'self'.
 */
export const INLINE_STYLES_CSP = Object.entries({ ...CSP_DIRECTIVES, styleSrc: ["'self'", "'unsafe-inline'"] })
  .map(([name, values]) => `${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} ${values.join(' ')}`)
  .join(';');

/**
 * A failed start prints one line that says what to fix, not a stack trace, and writes the same line to the
 * service's log file (LOG_FILE) as a pino-shaped fatal record, so an operator reading only the log sees why.
 */
export function exitOnStartupFailure(service: string, logFile: string | undefined = process.env.LOG_FILE) {
  return (error: unknown): never => {
    const known = error instanceof EnvironmentError || error instanceof DependencyUnreachableError;
    const reason = known ? (error as Error).message : ((error as Error).stack ?? String(error));
    process.stderr.write(`${service} did not start: ${reason}\n`);
    if (logFile) {
      try {
        mkdirSync(dirname(logFile), { recursive: true });
        appendFileSync(logFile, `${JSON.stringify({ level: 60, time: new Date().toISOString(), service, pid: process.pid, msg: `${service} did not start: ${reason}` })}\n`);
      } catch {
        // The terminal line above is all we can give when the log itself cannot be written.
      }
    }
    process.exit(1);
  };
}
