/** A GP practice's ODS code: one letter and five digits (e.g. A81001). */
export const PRACTICE_ODS_CODE = /^[A-Z]\d{5}$/;

export function isPracticeOdsCode(value: string): boolean {
  return PRACTICE_ODS_CODE.test(value);
}
