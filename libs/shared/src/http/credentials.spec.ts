import { CanActivate, ExecutionContext } from '@nestjs/common';
import { CredentialGuard, CredentialSource, bearerToken, presentedCredential, sameSecret } from './credentials';
import { ProblemException } from './problem-details';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    [['Bearer first', 'Bearer second'], 'first'],
    ['Bearer', null],
    ['Bearer a b', null],
    ['Basic abc', null],
    ['abc', null],
    ['', null],
    [undefined, null],
  ])('reads %p as %p', (header, token) => expect(bearerToken(header)).toBe(token));
});

describe('presentedCredential', () => {
  it.each<[Record<string, string | string[] | undefined>, CredentialSource, string | null]>([
    [{ authorization: 'Bearer t0ken' }, 'bearer', 't0ken'],
    [{ 'x-api-key': 'k3y' }, 'bearer', null],
    [{ 'x-api-key': 'k3y' }, { header: 'x-api-key' }, 'k3y'],
    [{ 'x-api-key': 'k3y' }, { header: 'X-Api-Key' }, 'k3y'],
    [{ 'x-api-key': ['one', 'two'] }, { header: 'x-api-key' }, 'one'],
    [{ 'x-api-key': '' }, { header: 'x-api-key' }, null],
    [{ authorization: 'Bearer t0ken' }, { header: 'x-api-key' }, null],
  ])('finds in %p where %p says: %p', (headers, source, credential) => expect(presentedCredential(headers, source)).toBe(credential));
});

describe('sameSecret', () => {
  it.each([
    ['a-long-secret', 'a-long-secret', true],
    ['a-long-secreT', 'a-long-secret', false],
    ['a-long-secret-', 'a-long-secret', false],
    ['', 'a-long-secret', false],
    [null, 'a-long-secret', false],
    [undefined, 'a-long-secret', false],
    ['', '', false],
    ['anything', '', false],
  ])('%p against %p: %p', (given, expected, same) => expect(sameSecret(given, expected)).toBe(same));
});

describe('CredentialGuard', () => {
  const requestWith = (headers: Record<string, string | undefined>) => ({ headers }) as { headers: Record<string, string | undefined>; caller?: unknown };
  const contextOf = (request: object) => ({ switchToHttp: () => ({ getRequest: () => request }) }) as unknown as ExecutionContext;
  const refusal = async (guard: CanActivate, request: object) => {
    try {
      await guard.canActivate(contextOf(request));
      return 'let through';
    } catch (error) {
      const problem = error as ProblemException;
      return { status: problem.getStatus(), challenge: problem.headers['WWW-Authenticate'], detail: problem.problem.detail };
    }
  };
  const keys = new Map([['issued-key', { id: 'caller-1' }]]);
  const lookupGuard = new (CredentialGuard({ credential: 'bearer', inject: 'KEYS', verify: (store: typeof keys, key) => store.get(key) ?? null, requestProperty: 'caller', refusal: 'A key, please.' }))(keys);
  const secretGuard = new (CredentialGuard({ credential: { header: 'x-api-key' }, inject: 'SECRET', verify: (secret: string, key) => sameSecret(key, secret), refusal: 'The admin key, please.' }))('configured-secret');

  it('lets a known bearer key through and puts its caller on the request', async () => {
    const request = requestWith({ authorization: 'Bearer issued-key' });
    await expect(lookupGuard.canActivate(contextOf(request))).resolves.toBe(true);
    expect(request.caller).toEqual({ id: 'caller-1' });
  });

  it.each([{}, { authorization: 'Bearer unknown-key' }, { authorization: 'Basic issued-key' }, { 'x-api-key': 'issued-key' }])('refuses %p with 401 and a Bearer challenge', async (headers) => {
    expect(await refusal(lookupGuard, requestWith(headers))).toEqual({ status: 401, challenge: 'Bearer', detail: 'A key, please.' });
  });

  it('lets the configured secret through in its header', async () => {
    await expect(secretGuard.canActivate(contextOf(requestWith({ 'x-api-key': 'configured-secret' })))).resolves.toBe(true);
  });

  it.each([{}, { 'x-api-key': 'configured-secreT' }, { authorization: 'Bearer configured-secret' }])('refuses %p with 401 and an ApiKey challenge', async (headers) => {
    expect(await refusal(secretGuard, requestWith(headers))).toEqual({ status: 401, challenge: 'ApiKey', detail: 'The admin key, please.' });
  });
});
