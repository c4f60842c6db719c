const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2];

/** Accepts the 3-3-4 display form as well as ten bare digits; anything else is returned unchanged. */
export function normaliseNhsNumber(value: string): string {
  const compact = value.trim().replace(/^(\d{3})[ -]?(\d{3})[ -]?(\d{4})$/, '$1$2$3');
  return compact;
}

/**
 * The NHS Data Dictionary's Modulus 11 check: 11 minus (weighted sum mod 11), where 11 means 0 and
 * 10 means the number cannot be valid. (Some write-ups subtract the other way round; they are wrong.)
 */
export function nhsNumberCheckDigit(firstNine: string): number | undefined {
  const total = WEIGHTS.reduce((sum, weight, index) => sum + weight * Number(firstNine[index]), 0);
  const check = 11 - (total % 11);
  if (check === 10) return undefined;
  return check === 11 ? 0 : check;
}

export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  return nhsNumberCheckDigit(value.slice(0, 9)) === Number(value[9]);
}
