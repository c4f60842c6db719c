import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from './connectivity';

describe('isDatabaseUnavailable', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

  it.each([
    ['the server ending the backend (57P01)', withCode('terminating connection due to administrator command', '57P01')],
    ['a connection exception (class 08)', withCode('connection failure', '08006')],
    ['a refused connect', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset socket', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ["a transaction's next statement after TypeORM released its failed connection", new QueryRunnerProviderAlreadyReleasedError()],
    ["a query runner's next statement after TypeORM released its failed connection", new QueryRunnerAlreadyReleasedError()],
    ['an error caused by one of these', new Error('recording it sent failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') })],
    ['a statement wrapped by TypeORM', new QueryFailedError('SELECT 1', [], withCode('terminating connection due to administrator command', '57P01'))],
  ])('is true for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a failed statement (unique violation)', new QueryFailedError('INSERT', [], withCode('duplicate key value violates unique constraint', '23505'))],
    ['a receiver answering 503', new Error('receiver answered 503')],
    ['another client refused, known by its message only', new Error('SMTP ECONNECTION: connect ECONNREFUSED 127.0.0.1:2525')],
    ['an error caused by another', new Error('sending failed', { cause: new Error('receiver answered 503') })],
    ['nothing at all', undefined],
  ])('is false for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
