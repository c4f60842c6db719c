import { differenceInYears, parseISO } from 'date-fns';

/** Five- and ten-year bands as NHS Digital publications use them; children in one band. */
const AGE_BANDS: Array<[number, string]> = [
  [18, '0-17'],
  [25, '18-24'],
  [35, '25-34'],
  [45, '35-44'],
  [55, '45-54'],
  [65, '55-64'],
  [75, '65-74'],
  [85, '75-84'],
];

/** Age band at the referral date, so a feed never carries a date of birth. */
export function ageBand(dateOfBirth: string, at: Date): string | null {
  const born = parseISO(dateOfBirth);
  if (Number.isNaN(born.getTime())) return null;
  const age = differenceInYears(at, born);
  if (age < 0) return null;
  return AGE_BANDS.find(([below]) => age < below)?.[1] ?? '85+';
}
