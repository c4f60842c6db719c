import reference from './practices.json';

/** Where a practice sits in the commissioning hierarchy: its Primary Care Network, sub-ICB location and ICB. */
export interface PracticeGeography {
  practiceOdsCode: string;
  pcnOdsCode: string | null;
  subIcbCode: string | null;
  icbCode: string | null;
}

const PRACTICES = new Map(reference.practices.map((practice) => [practice.odsCode, practice]));

/** A practice's place from the practice reference (practices.json); an unknown practice keeps only its own code. */
export function geographyOf(practiceOdsCode: string): PracticeGeography {
  const practice = PRACTICES.get(practiceOdsCode);
  return {
    practiceOdsCode,
    pcnOdsCode: practice?.pcnOdsCode ?? null,
    subIcbCode: practice?.subIcbCode ?? null,
    icbCode: practice?.icbCode ?? null,
  };
}
