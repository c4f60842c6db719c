import { SIGN_IN_TOKEN_PATTERN, choosePerson, chosenRole, emailProblem, newSignInToken, normaliseEmail, roleValue, rolesInOrder, sessionIsLive, sha256 } from './sign-in-rules';

describe('sign-in rules', () => {
  it('makes 32-byte random tokens that fit the link pattern and never repeat', () => {
    const tokens = new Set(Array.from({ length: 200 }, newSignInToken));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(SIGN_IN_TOKEN_PATTERN);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
  });

  it('stores the SHA-256 of a token, not the token', () => {
    expect(sha256('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each([
    ['  Amira.Khan@LinkWorkers.example.nhs.uk ', 'amira.khan@linkworkers.example.nhs.uk'],
    [undefined, ''],
    [['a@b.c'], ''],
  ])('normalises %p to %p', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it.each([
    ['', 'Enter your email address'],
    ['amira', 'Enter an email address in the correct format, like name@example.nhs.uk'],
    ['amira@nhs', 'Enter an email address in the correct format, like name@example.nhs.uk'],
    ['a b@nhs.uk', 'Enter an email address in the correct format, like name@example.nhs.uk'],
    ['amira.khan@linkworkers.example.nhs.uk', undefined],
  ])('checks %p', (email, problem) => {
    expect(emailProblem(email)).toBe(problem);
  });

  describe('session lifetime', () => {
    const limits = { idleSeconds: 30 * 60, maxSeconds: 8 * 3600 };
    const start = new Date('2026-11-25T09:00:00Z');
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);

    it.each([
      ['just signed in', { createdAt: start, lastSeenAt: start }, at(0), true],
      ['29 minutes idle', { createdAt: start, lastSeenAt: start }, at(29), true],
      ['30 minutes idle', { createdAt: start, lastSeenAt: start }, at(30), false],
      ['active all day, 7h59 in', { createdAt: start, lastSeenAt: at(475) }, at(479), true],
      ['active all day, 8h in', { createdAt: start, lastSeenAt: at(475) }, at(480), false],
    ])('%s', (_label, session, now, live) => {
      expect(sessionIsLive(session, now, limits)).toBe(live);
    });
  });

  it('signs a shared address in as the link worker first, then the first organisation by name', () => {
    expect(choosePerson([{ kind: 'organisation', name: 'B' }, { kind: 'link-worker', name: 'Z' }])).toEqual({ kind: 'link-worker', name: 'Z' });
    expect(choosePerson([{ kind: 'organisation', name: 'B' }, { kind: 'organisation', name: 'A' }])).toEqual({ kind: 'organisation', name: 'A' });
    expect(choosePerson([])).toBeUndefined();
  });

  it('offers an address’s roles link worker first, then organisations by name, and accepts only one of them', () => {
    const roles = rolesInOrder([
      { kind: 'organisation', id: 'o2', name: 'Walking Group' },
      { kind: 'organisation', id: 'o1', name: 'Allotments' },
      { kind: 'link-worker', id: 'w1', name: 'Dana' },
    ]);
    expect(roles.map(roleValue)).toEqual(['link-worker:w1', 'organisation:o1', 'organisation:o2']);
    expect(chosenRole('organisation:o2', roles)).toEqual({ kind: 'organisation', id: 'o2', name: 'Walking Group' });
    for (const refused of ['organisation:o3', 'link-worker:o1', '', undefined, ['organisation:o1'], { kind: 'organisation', id: 'o1' }]) {
      expect(chosenRole(refused, roles)).toBeUndefined();
    }
  });
});
