import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { EnvironmentError } from './config/environment';
import { DependencyUnreachableError, assertRedisReachable, prepareDatabase } from './database/connectivity';
import { ProblemDetailsFilter } from './http/problem-details';
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
    new FastifyAdapter({ bodyLimit: options.bodyLimit ?? 1024 * 1024, trustProxy: true }),
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemDetailsFilter());
  if (options.consumeEvents !== false) {
    connectEventConsumer(app);
    await app.startAllMicroservices();
  }
  return app;
}

/** A failed start prints one line that says what to fix, not a stack trace. */
export function exitOnStartupFailure(service: string) {
  return (error: unknown): never => {
    const known = error instanceof EnvironmentError || error instanceof DependencyUnreachableError;
    process.stderr.write(`${service} did not start: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    process.exit(1);
  };
}
