import fc from 'fast-check';
import { dateOfBirthProblem } from './date-of-birth';
import { isValidNhsNumber, nhsNumberCheckDigit, normaliseNhsNumber } from './nhs-number';

const nineDigits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }).map((digits) => digits.join(''));
const validNhsNumber = nineDigits
  .map((stem) => ({ stem, check: nhsNumberCheckDigit(stem) }))
  .filter(({ check }) => check !== undefined)
  .map(({ stem, check }) => `${stem}${check}`);

describe('NHS number (Modulus 11)', () => {
  it('accepts the Data Dictionary example and its 3-3-4 form', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true);
    expect(isValidNhsNumber(normaliseNhsNumber('943 476 5919'))).toBe(true);
    expect(isValidNhsNumber(normaliseNhsNumber('943-476-5919'))).toBe(true);
  });

  it('refuses the check digit the reversed ("remainder only") variant would give', () => {
    // 299 mod 11 = 2: the reversed write-up would expect 2, the real rule expects 11 - 2 = 9.
    expect(isValidNhsNumber('9434765912')).toBe(false);
  });

  it('maps a result of 11 to check digit 0 and refuses numbers whose result is 10', () => {
    // 401023213: weighted sum 92, 92 mod 11 = 4, 11 - 4 = 7.
    expect(nhsNumberCheckDigit('401023213')).toBe(7);
    // weighted sum 0: 11 - 0 = 11, which means check digit 0.
    expect(nhsNumberCheckDigit('000000000')).toBe(0);
    // 100000001: 10 + 2 = 12, 12 mod 11 = 1, 11 - 1 = 10: no check digit can make it valid.
    expect(nhsNumberCheckDigit('100000001')).toBeUndefined();
    for (let digit = 0; digit <= 9; digit++) expect(isValidNhsNumber(`100000001${digit}`)).toBe(false);
  });

  it('refuses anything that is not ten digits', () => {
    for (const value of ['', '943476591', '94347659190', '943476591a', ' 9434765919', '+434765919']) {
      expect(isValidNhsNumber(value)).toBe(false);
    }
  });

  it('accepts every generated valid number', () => {
    fc.assert(fc.property(validNhsNumber, (value) => isValidNhsNumber(value)));
  });

  it('refuses every single-digit corruption of a valid number', () => {
    fc.assert(
      fc.property(validNhsNumber, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (value, position, delta) => {
        const digits = [...value].map(Number);
        digits[position] = (digits[position] + delta) % 10;
        return !isValidNhsNumber(digits.join(''));
      }),
    );
  });

  it('refuses every transposition of two different adjacent digits', () => {
    fc.assert(
      fc.property(validNhsNumber, fc.integer({ min: 0, max: 8 }), (value, position) => {
        fc.pre(value[position] !== value[position + 1]);
        const digits = [...value];
        [digits[position], digits[position + 1]] = [digits[position + 1], digits[position]];
        return !isValidNhsNumber(digits.join(''));
      }),
    );
  });
});

describe('date of birth', () => {
  const today = new Date('2026-11-24T12:00:00Z');
  it.each([
    ['1948-02-11', undefined],
    ['2026-11-24', undefined],
    ['2000-02-29', undefined],
    ['1900-02-29', 'not-a-date'],
    ['2023-02-29', 'not-a-date'],
    ['1990-13-01', 'not-a-date'],
    ['1990-04-31', 'not-a-date'],
    ['2026-11-25', 'future'],
    ['1899-12-31', 'implausible'],
    ['11/02/1948', 'format'],
    ['1948-2-11', 'format'],
    ['1948-02-11T00:00:00Z', 'format'],
  ])('%s → %s', (value, expected) => {
    expect(dateOfBirthProblem(value, today)).toBe(expected);
  });
});
