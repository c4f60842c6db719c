import { MAX_INPUT_DEPTH, unstorableInputProblems } from './storable-input';

describe('unstorableInputProblems', () => {
  it('accepts ordinary documents', () => {
    expect(unstorableInputProblems({ pcns: [{ odsCode: 'U12345', name: 'North PCN' }], note: 'café ☕ 😃' })).toEqual([]);
  });

  it('names NUL characters and lone surrogates by JSON pointer', () => {
    expect(unstorableInputProblems({ a: [{ 'b/c': 'x\u0000y' }], d: '\ud800' })).toEqual([
      { pointer: '/a/0/b~1c', detail: 'must not contain a NUL character (U+0000)' },
      { pointer: '/d', detail: 'must be valid Unicode text (it holds a lone surrogate)' },
    ]);
  });

  it('refuses property names that reach prototypes, at any depth', () => {
    // JSON.parse makes "__proto__" an own property, as a request body parser does.
    const body = JSON.parse('{"practices":[{"odsCode":"A12345","x":{"constructor":"y"}}],"__proto__":{"polluted":true},"prototype":1}');
    expect(unstorableInputProblems(body).map((problem) => problem.pointer)).toEqual(['/practices/0/x/constructor', '/__proto__', '/prototype']);
    expect(unstorableInputProblems(body)[0].detail).toBe('the property name must not be "constructor", a reserved property name');
  });

  it('allows those words as values', () => {
    expect(unstorableInputProblems({ status: 'constructor', name: '__proto__' })).toEqual([]);
  });

  it('stops at the depth limit', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < MAX_INPUT_DEPTH + 10; level += 1) deep = [deep];
    const problems = unstorableInputProblems(deep);
    expect(problems).toHaveLength(1);
    expect(problems[0].detail).toBe(`must not nest more than ${MAX_INPUT_DEPTH} levels deep`);
  });
});
