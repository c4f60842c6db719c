import { ICB_CODE, SUB_ICB_CODE, isPcnOdsCode, isPracticeOdsCode } from './ods-codes';

describe('ODS codes', () => {
  it.each(['A81001', 'Y02345', 'M85063'])('takes %s as a practice', (code) => expect(isPracticeOdsCode(code)).toBe(true));
  it.each(['a81001', 'A8100', 'A810011', 'U12345X', '81001A', 'QWE', 'A81 001', ''])('refuses %p as a practice', (code) => expect(isPracticeOdsCode(code)).toBe(false));

  it.each(['U81001', 'U00000'])('takes %s as a PCN', (code) => expect(isPcnOdsCode(code)).toBe(true));
  it.each(['A81001', 'u81001', 'U8100', 'U810011', ''])('refuses %p as a PCN', (code) => expect(isPcnOdsCode(code)).toBe(false));

  it.each([
    [SUB_ICB_CODE, '16C', true],
    [SUB_ICB_CODE, '00K', true],
    [SUB_ICB_CODE, '16c', false],
    [SUB_ICB_CODE, '16CC', false],
    [ICB_CODE, 'QHM', true],
    [ICB_CODE, 'RHM', false],
    [ICB_CODE, 'QH', false],
  ])('%s reads %p: %p', (format, code, ok) => expect(format.test(code)).toBe(ok));
});
