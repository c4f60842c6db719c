/** The oldest date of birth we accept: older is a typing error, not a patient. */
export const EARLIEST_DATE_OF_BIRTH = '1900-01-01';

export type DateOfBirthProblem = 'format' | 'not-a-date' | 'future' | 'implausible';

/** Returns why a date of birth (YYYY-MM-DD) cannot be right, or undefined when it can. */
export function dateOfBirthProblem(value: string, today: Date = new Date()): DateOfBirthProblem | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return 'format';
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return 'not-a-date';
  if (value > today.toISOString().slice(0, 10)) return 'future';
  if (value < EARLIEST_DATE_OF_BIRTH) return 'implausible';
  return undefined;
}

export const DATE_OF_BIRTH_MESSAGES: Record<DateOfBirthProblem, string> = {
  format: 'must be a date written YYYY-MM-DD',
  'not-a-date': 'is not a real calendar date',
  future: 'must not be in the future',
  implausible: `must not be before ${EARLIEST_DATE_OF_BIRTH}`,
};
