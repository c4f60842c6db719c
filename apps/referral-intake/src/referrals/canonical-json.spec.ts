import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it.each<[string, unknown, string]>([
    ['a string', 'café "quoted"', '"café \\"quoted\\""'],
    ['a number', 12.5, '12.5'],
    ['true', true, 'true'],
    ['null', null, 'null'],
    ['an empty object', {}, '{}'],
    ['an empty array', [], '[]'],
    ['keys in code-unit order', { b: 1, a: 2, B: 3, aa: 4 }, '{"B":3,"a":2,"aa":4,"b":1}'],
    ['nested objects, sorted at every level', { z: { y: 1, x: [{ d: 1, c: 2 }] }, a: null }, '{"a":null,"z":{"x":[{"c":2,"d":1}],"y":1}}'],
    ['arrays in their own order', [3, 1, 2], '[3,1,2]'],
    ['undefined properties left out, as JSON.stringify does', { a: undefined, b: 1 }, '{"b":1}'],
    ['keys that need escaping', { 'a"b': 1, 'a\nb': 2 }, '{"a\\nb":2,"a\\"b":1}'],
  ])('writes %s', (_case, value, json) => {
    expect(canonicalJson(value)).toBe(json);
  });

  it('is the same text whatever order the keys were written in', () => {
    const first = { patient: { nhsNumber: '9434765919', givenName: 'Margaret' }, needs: ['loneliness'], urgency: 'routine' };
    const second = { urgency: 'routine', needs: ['loneliness'], patient: { givenName: 'Margaret', nhsNumber: '9434765919' } };
    expect(canonicalJson(first)).toBe(canonicalJson(second));
  });

  it('tells different content apart', () => {
    expect(canonicalJson({ needs: ['loneliness', 'housing'] })).not.toBe(canonicalJson({ needs: ['housing', 'loneliness'] }));
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
  });

  it('is valid JSON that parses back to the same content', () => {
    const value = { b: [1, { d: 'x', c: null }], a: { '': true } };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });
});
