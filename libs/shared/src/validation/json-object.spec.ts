import { isJsonObject } from './json-object';

describe('isJsonObject', () => {
  it.each<[unknown, boolean]>([
    [{}, true],
    [{ a: 1 }, true],
    [JSON.parse('{"__proto__": {}}'), true],
    [[], false],
    [[{}], false],
    [null, false],
    [undefined, false],
    ['{}', false],
    [0, false],
    [true, false],
  ])('%p: %p', (value, object) => expect(isJsonObject(value)).toBe(object));
});
