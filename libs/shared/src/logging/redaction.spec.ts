import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoOptions } from './logger.module';
import { runWithCorrelation } from './correlation';

function capture(): { lines: string[]; logger: pino.Logger } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: pino(pinoOptions({ service: 'test' }), stream) };
}

describe('log redaction', () => {
  const patient = {
    nhsNumber: '9434765919',
    givenName: 'Margaret',
    familyName: 'Oyelaran',
    dateOfBirth: '1948-02-11',
    phone: '07700900123',
    email: 'margaret@example.com',
    postcode: 'LS6 2QT',
  };

  it.each([
    ['a patient object', { patient }],
    ['an event envelope', { envelope: { payload: { patient } } }],
    ['bare fields', { ...patient }],
    ['a job', { job: { data: { payload: { patient } } } }],
  ])('removes patient data from %s', (_label, object) => {
    const { lines, logger } = capture();
    logger.info(object, 'handled');
    const output = lines.join('');
    for (const value of Object.values(patient)) expect(output).not.toContain(value);
    expect(output).toContain('[REDACTED]');
  });

  it('stamps the correlation id of the work in hand on every line', () => {
    const { lines, logger } = capture();
    runWithCorrelation({ correlationId: 'corr-1234-abcd' }, () => logger.info('inside'));
    logger.info('outside');
    expect(JSON.parse(lines[0]).correlationId).toBe('corr-1234-abcd');
    expect(JSON.parse(lines[1]).correlationId).toBeUndefined();
    expect(JSON.parse(lines[0]).service).toBe('test');
  });
});
