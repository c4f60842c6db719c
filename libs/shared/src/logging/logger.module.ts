import { DynamicModule, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import pino from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { CORRELATION_HEADER, acceptCorrelationId, currentCorrelation } from './correlation';
import { REDACTED_PATHS } from './redaction';

export interface ServiceLoggerOptions {
  service: string;
  level?: string;
  /** A file to append JSON lines to instead of stdout. */
  file?: string;
}

export function pinoOptions(options: ServiceLoggerOptions): pino.LoggerOptions {
  return {
    base: { service: options.service, pid: process.pid },
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    mixin: () => {
      const scope = currentCorrelation();
      return scope ? { ...scope } : {};
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createPinoLogger(options: ServiceLoggerOptions): pino.Logger {
  const destination = options.file ? pino.destination({ dest: options.file, sync: true, mkdir: true }) : pino.destination(1);
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
