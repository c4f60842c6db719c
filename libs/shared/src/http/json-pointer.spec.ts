import { ArrayNotEmpty, IsInt, IsString, ValidateNested, validateSync } from 'class-validator';
import { plainToInstance, Type } from 'class-transformer';
import { pointerToken, pointerTokens, validationErrorsToProblems } from './json-pointer';

describe('pointerToken', () => {
  it.each([
    ['plain', 'plain'],
    ['a/b', 'a~1b'],
    ['a~b', 'a~0b'],
    ['~/', '~0~1'],
    ['~1', '~01'],
    [0, '0'],
    ['', ''],
  ])('escapes %p as %p', (token, escaped) => {
    expect(pointerToken(token)).toBe(escaped);
  });
});

describe('pointerTokens', () => {
  it.each([
    ['', []],
    ['/', ['']],
    ['/entry/0/resource', ['entry', '0', 'resource']],
    ['/a~1b/c~0d', ['a/b', 'c~d']],
    ['/~01', ['~1']],
  ])('reads %p as %p', (pointer, tokens) => {
    expect(pointerTokens(pointer)).toEqual(tokens);
  });

  it('undoes pointerToken', () => {
    const keys = ['a/b', '~', '~1', 'x~0/y'];
    expect(pointerTokens(keys.map((key) => `/${pointerToken(key)}`).join(''))).toEqual(keys);
  });
});

class Leaf {
  @IsInt()
  count: number;
}

class Root {
  @IsString()
  'odd/name': string;

  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => Leaf)
  leaves: Leaf[];
}

describe('validationErrorsToProblems', () => {
  const problemsOf = (input: object, base?: string) => validationErrorsToProblems(validateSync(plainToInstance(Root, input)), base);

  it('names nothing when the input is valid', () => {
    expect(problemsOf({ 'odd/name': 'x', leaves: [{ count: 1 }] })).toEqual([]);
  });

  it('names each broken constraint by escaped pointer, nested errors by their path', () => {
    expect(problemsOf({ 'odd/name': 7, leaves: [{ count: 1 }, { count: 'two' }] })).toEqual([
      { pointer: '/odd~1name', detail: 'odd/name must be a string' },
      { pointer: '/leaves/1/count', detail: 'count must be an integer number' },
    ]);
  });

  it('gives one problem per constraint of a field', () => {
    expect(problemsOf({ 'odd/name': 'x', leaves: [] })).toEqual([{ pointer: '/leaves', detail: 'leaves should not be empty' }]);
  });

  it('puts the pointers below a base', () => {
    expect(problemsOf({ 'odd/name': 'x', leaves: [{}] }, '/entry/0')).toEqual([{ pointer: '/entry/0/leaves/0/count', detail: 'count must be an integer number' }]);
  });
});
