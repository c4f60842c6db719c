/** The research extract's data dictionary: one entry per column, in column order. */
export interface DictionaryEntry {
  column: string;
  type: 'string' | 'integer' | 'decimal' | 'list';
  description: string;
}

const MEASURE_COLUMNS: DictionaryEntry[] = [
  ['ons4LifeSatisfaction', 'ONS4 life satisfaction (0-10, higher is better)'],
  ['ons4Worthwhile', 'ONS4 feeling that things done in life are worthwhile (0-10, higher is better)'],
  ['ons4Happiness', 'ONS4 happiness yesterday (0-10, higher is better)'],
  ['ons4Anxiety', 'ONS4 anxiety yesterday (0-10, LOWER is better: the negative item)'],
  ['swemwbsRaw', 'SWEMWBS raw score, sum of seven items each 1-5 (7-35)'],
  ['swemwbsMetric', 'SWEMWBS metric score, the raw score converted with the Warwick Rasch conversion table (7.00-35.00)'],
  ['ucla3Total', 'UCLA 3-item loneliness total (3-9, higher is lonelier)'],
].flatMap(([name, description]) => [
  { column: `${name}Start`, type: name.startsWith('swemwbsMetric') ? 'decimal' : 'integer', description: `${description}, at the start of support (the first start measure)` },
  { column: `${name}End`, type: name.startsWith('swemwbsMetric') ? 'decimal' : 'integer', description: `${description}, at the end of support (the last end measure)` },
]) as DictionaryEntry[];

export const RESEARCH_DICTIONARY: DictionaryEntry[] = [
  { column: 'referralRef', type: 'string', description: 'This referral, under a reference keyed to you: stable across your extracts, meaningless to anyone else.' },
  { column: 'pseudonym', type: 'string', description: "HMAC-SHA256 of the person's NHS number under your own key (hex). The same person has the same pseudonym in all your extracts; other recipients' pseudonyms differ." },
  { column: 'ageBand', type: 'string', description: 'Age at the referral date: 0-17, 18-24, 25-34, ..., 75-84, 85+.' },
  { column: 'sex', type: 'string', description: 'female, male, other or unknown, as the referrer recorded it; empty when not given.' },
  { column: 'postcodeDistrict', type: 'string', description: 'Outward code of the home postcode (e.g. TS1); empty when none was given.' },
  { column: 'lsoa', type: 'string', description: 'Lower layer super output area. Always empty for now: we hold no postcode-to-LSOA lookup.' },
  { column: 'practice', type: 'string', description: 'ODS code of the referring GP practice.' },
  { column: 'pcn', type: 'string', description: 'ODS code of the primary care network the practice belongs to.' },
  { column: 'subIcb', type: 'string', description: 'Sub-ICB location code of the practice.' },
  { column: 'icb', type: 'string', description: 'ICB code of the practice.' },
  { column: 'needs', type: 'list', description: 'Needs the referral named, from the controlled list, separated by ";".' },
  { column: 'urgency', type: 'string', description: 'routine, urgent or asap.' },
  { column: 'receivedMonth', type: 'string', description: 'Month the referral was received (YYYY-MM); exact dates are withheld.' },
  { column: 'status', type: 'string', description: 'Status now: received, routed, unrouted, accepted, declined, contacted, in-progress, completed or closed.' },
  { column: 'declineReason', type: 'string', description: 'Why it was declined, when it was (no-capacity, not-eligible, ...).' },
  { column: 'closeReason', type: 'string', description: 'Why it was closed: completed, or a reason such as could-not-contact.' },
  { column: 'daysToRouted', type: 'integer', description: 'Whole days from the date of receipt to the date of routing (dates, not instants, so extracts cannot be linked).' },
  { column: 'daysToAccepted', type: 'integer', description: 'Days from receipt to the first acceptance.' },
  { column: 'daysToFirstContact', type: 'integer', description: 'Days from receipt to first contact with the person.' },
  { column: 'daysToFirstSession', type: 'integer', description: 'Days from receipt to the first session attended.' },
  { column: 'daysToCompleted', type: 'integer', description: 'Days from receipt to completion.' },
  { column: 'daysToClosed', type: 'integer', description: 'Days from receipt to closure.' },
  { column: 'sessionsAttended', type: 'integer', description: 'Sessions attended.' },
  { column: 'sessionsMissed', type: 'integer', description: 'Sessions not attended (did not attend).' },
  ...MEASURE_COLUMNS,
];

export const RESEARCH_COLUMNS = RESEARCH_DICTIONARY.map((entry) => entry.column);
