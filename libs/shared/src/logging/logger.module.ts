import { DynamicModule, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import pino from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { CORRELATION_HEADER, acceptCorrelationId, currentCorrelation } from './correlation';
import { describeError, serializeError } from './error-serializer';
import { REDACTED_PATHS } from './redaction';
import { redactUrl } from './url-redaction';

export interface ServiceLoggerOptions {
  service: string;
  level?: string;
  /** A file to append JSON lines to instead of stdout. */
  file?: string;
}

interface LoggedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  raw?: IncomingMessage;
}

/** A request in a log line: method, path without query string or tokens, and its id. Never headers or body. */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  const raw = request.raw ?? (request as IncomingMessage);
  const url = (raw as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? raw.url;
  return { id: request.id, method: request.method ?? raw.method, url: redactUrl(url) };
}

/** A response in a log line: its status only (headers may set cookies or carry tokens). */
export function serializeResponse(response: { statusCode?: number }): Record<string, unknown> {
  return { statusCode: response.statusCode };
}

/**
 * pino makes an error's own message the line's text when no text is given (logger.error(error) or
 * logger.error({ err })), bypassing the serializer; give it the serializer's description instead.
 */
function withoutErrorMessageAsText(this: pino.Logger, args: unknown[], method: pino.LogFn): void {
  const [first] = args;
  if (first instanceof Error) return method.apply(this, [{ err: first }, typeof args[1] === 'string' ? args[1] : describeError(first), ...args.slice(2)] as never);
  if (args.length === 1 && first && typeof first === 'object') {
    const { err, error } = first as { err?: unknown; error?: unknown };
    if (err instanceof Error || error instanceof Error) return method.apply(this, [first, describeError(err ?? error)] as never);
  }
  return method.apply(this, args as never);
}

export const LOG_SERIALIZERS = { err: serializeError, error: serializeError, req: serializeRequest, res: serializeResponse };

export function pinoOptions(options: ServiceLoggerOptions): pino.LoggerOptions {
  return {
    base: { service: options.service, pid: process.pid },
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: LOG_SERIALIZERS,
    hooks: { logMethod: withoutErrorMessageAsText },
    mixin: () => {
      const scope = currentCorrelation();
      return scope ? { ...scope } : {};
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/**
 * Standard output (how services log when deployed) is written asynchronously: lines logged while a write
 * is under way go out together in the next one, instead of one blocking write a line; pino flushes what is
 * left when the process exits. A file (npm start, tests that read their service's log) is written as each
 * line is logged, so a reader sees it at once.
 */
export function createPinoLogger(options: ServiceLoggerOptions): pino.Logger {
  const destination = options.file ? pino.destination({ dest: options.file, sync: true, mkdir: true }) : pino.destination({ dest: 1, sync: false });
  return pino(pinoOptions(options), destination);
}

/** Structured JSON logs, correlation id on every line, patient fields redacted. */
@Module({})
export class ServiceLoggerModule {
  static forService(options: ServiceLoggerOptions): DynamicModule {
    return {
      module: ServiceLoggerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: createPinoLogger(options),
            serializers: LOG_SERIALIZERS,
    hooks: { logMethod: withoutErrorMessageAsText },
            genReqId: (req: IncomingMessage) => {
              const id = acceptCorrelationId(req.headers[CORRELATION_HEADER] ?? randomUUID());
              req.headers[CORRELATION_HEADER] = id;
              return id;
            },
            customProps: (req: IncomingMessage) => ({ correlationId: req.headers[CORRELATION_HEADER] }),
            autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') },
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
