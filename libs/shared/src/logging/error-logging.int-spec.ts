import { Controller, Get, MiddlewareConsumer, Module, NestModule, Param, Post, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { DataSource, QueryFailedError } from 'typeorm';
import { ProblemDetailsFilter } from '../http/problem-details';
import { TestDatabase, createTestDatabase } from '../testing';
import { runWithCorrelation } from './correlation';
import { CorrelationMiddleware } from './correlation.middleware';
import { describeError, serializeError } from './error-serializer';
import { ServiceLoggerModule, pinoOptions } from './logger.module';
import { redactUrl } from './url-redaction';

const PATIENT = { nhsNumber: '9434765919', givenName: 'Margaret', familyName: 'Oyelaran', dateOfBirth: '1948-02-11', email: 'margaret@example.com' };
const NOTES = 'Widowed last year, keen on gardening';
const WEEK_DATE_OF_BIRTH = '1948-W07-2';

let database: TestDatabase;
let dataSource: DataSource;

/** A real TypeORM error whose parameters carry a patient, as an insert with a NUL or a week date raises. */
async function failingInsert(): Promise<QueryFailedError> {
  try {
    await dataSource.query(`INSERT INTO "referral" ("patient", "notes", "consent_recorded_at") VALUES ($1, $2, $3)`, [JSON.stringify(PATIENT), NOTES, WEEK_DATE_OF_BIRTH]);
  } catch (error) {
    return error as QueryFailedError;
  }
  throw new Error('the insert was expected to fail');
}

beforeAll(async () => {
  database = await createTestDatabase('error-logging');
  dataSource = new DataSource({ type: 'postgres', url: database.url });
  await dataSource.initialize();
  await dataSource.query(`CREATE TABLE "referral" ("patient" jsonb, "notes" text, "consent_recorded_at" timestamptz)`);
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

function expectNoPatientData(text: string): void {
  for (const value of [...Object.values(PATIENT), NOTES, WEEK_DATE_OF_BIRTH]) expect(text).not.toContain(value);
}

describe('serializeError', () => {
  it("keeps a database error's type, code and message, and leaves out its query, parameters and the value Postgres quotes", async () => {
    const error = await failingInsert();
    expect(JSON.stringify(error)).toContain(PATIENT.nhsNumber);
    const serialized = runWithCorrelation({ correlationId: 'corr-error-0001' }, () => serializeError(error));
    expect(serialized).toMatchObject({ type: 'QueryFailedError', code: '22007', correlationId: 'corr-error-0001' });
    expect(serialized.message).toMatch(/^invalid input syntax for type timestamp with time zone: "\[value removed\]"$/);
    expect(serialized.stack).toMatch(/^\s+at /);
    expectNoPatientData(JSON.stringify(serialized));
    expect(describeError(error)).toBe('QueryFailedError (22007): invalid input syntax for type timestamp with time zone: "[value removed]"');
  });

  it('keeps identifiers Postgres names (relations, constraints) but not key values', () => {
    const error = Object.assign(new Error('duplicate key value violates unique constraint "referral_pkey"'), { code: '23505', detail: `Key (nhs)=(${PATIENT.nhsNumber}) already exists.` });
    expect(serializeError(error).message).toBe('duplicate key value violates unique constraint "referral_pkey"');
    expect(JSON.stringify(serializeError(error))).not.toContain(PATIENT.nhsNumber);
  });

  it('is the err serializer of every logger built from pinoOptions', async () => {
    const error = await failingInsert();
    const lines: string[] = [];
    const logger = pino(pinoOptions({ service: 'test' }), new Writable({ write: (chunk, _encoding, done) => { lines.push(chunk.toString()); done(); } }));
    logger.error({ err: error }, 'insert failed');
    logger.error({ error }, 'insert failed');
    logger.error(error);
    expect(lines).toHaveLength(3);
    expectNoPatientData(lines.join(''));
    expect(JSON.parse(lines[0]).err).toMatchObject({ type: 'QueryFailedError', code: '22007' });
  });
});

describe('redactUrl', () => {
  it.each([
    ['/t/eyJhbGciOi.payload.sig', '/t/[token]'],
    ['/t/abc123/decline?reason=x', '/t/[token]/decline'],
    ['/sign-in/f00dfeed', '/sign-in/[token]'],
    ['/v1/feeds/outcomes?need=loneliness&nhs=9434765919', '/v1/feeds/outcomes'],
    ['/health', '/health'],
    ['/t/', '/t/'],
  ])('%s is logged as %s', (url, logged) => expect(redactUrl(url)).toBe(logged));
});

describe('a service’s log', () => {
  @Controller()
  class LeakyController {
    @Post('v1/referrals')
    async create(): Promise<void> {
      throw await failingInsert();
    }

    @Get('t/:token')
    action(@Param('token') token: string, @Req() request: { url: string }): { ok: boolean } {
      return { ok: token.length > 0 && request.url.length > 0 };
    }

    @Get('sign-in/:token')
    signIn(): { ok: boolean } {
      return { ok: true };
    }
  }

  let app: NestFastifyApplication;
  let logDir: string;
  let logFile: string;

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'error-logging-'));
    logFile = join(logDir, 'service.log');
    @Module({ imports: [ServiceLoggerModule.forService({ service: 'leaky', level: 'debug', file: logFile })], controllers: [LeakyController] })
    class LeakyModule implements NestModule {
      configure(consumer: MiddlewareConsumer): void {
        consumer.apply(CorrelationMiddleware).forRoutes('*');
      }
    }
    app = await NestFactory.create<NestFastifyApplication>(LeakyModule, new FastifyAdapter(), { bufferLogs: true });
    app.useLogger(app.get(Logger));
    app.flushLogs();
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('holds no patient value, token or query string after a failed insert, a one-click link and a sign-in link', async () => {
    const token = 'eyJ0YXNrIjoiMSJ9.c2lnbmF0dXJlLXNlY3JldA';
    const signInToken = 'sign-in-secret-0123456789abcdef';
    const fastify = app.getHttpAdapter().getInstance();
    const failed = await fastify.inject({
      method: 'POST',
      url: `/v1/referrals?nhsNumber=${PATIENT.nhsNumber}`,
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-leak-00001', authorization: 'Bearer secret-key-123' },
      payload: JSON.stringify({ patient: PATIENT, notes: NOTES }),
    });
    expect(failed.statusCode).toBe(500);
    expect(failed.headers['content-type']).toContain('application/problem+json');
    expectNoPatientData(failed.body);
    expect((await fastify.inject({ method: 'GET', url: `/t/${token}?email=${PATIENT.email}` })).statusCode).toBe(200);
    expect((await fastify.inject({ method: 'GET', url: `/sign-in/${signInToken}` })).statusCode).toBe(200);

    const log = readFileSync(logFile, 'utf8');
    const lines = log.trim().split('\n').map((line) => JSON.parse(line));
    const unhandled = lines.find((line) => line.msg === 'Unhandled error');
    expect(unhandled).toMatchObject({ correlationId: 'corr-leak-00001', err: { type: 'QueryFailedError', code: '22007' } });
    expect(lines.map((line) => line.req?.url).filter(Boolean)).toEqual(expect.arrayContaining(['/v1/referrals', '/t/[token]', '/sign-in/[token]']));
    expectNoPatientData(log);
    expect(log).not.toContain(token);
    expect(log).not.toContain(signInToken);
    expect(log).not.toContain('secret-key-123');
    expect(log).not.toContain('?');
  });
});
