/**
 * The code formats of the NHS commissioning hierarchy, as ODS issues them: a GP practice (one letter and
 * five digits, A81001), a Primary Care Network (U and five digits, U81001), a sub-ICB location (three
 * characters, 16C) and an Integrated Care Board (Q and two characters, QHM).
 */
export const PRACTICE_ODS_CODE = /^[A-Z]\d{5}$/;
export const PCN_ODS_CODE = /^U\d{5}$/;
export const SUB_ICB_CODE = /^[A-Z0-9]{3}$/;
export const ICB_CODE = /^Q[A-Z0-9]{2}$/;

export function isPracticeOdsCode(value: string): boolean {
  return PRACTICE_ODS_CODE.test(value);
}

export function isPcnOdsCode(value: string): boolean {
  return PCN_ODS_CODE.test(value);
}
