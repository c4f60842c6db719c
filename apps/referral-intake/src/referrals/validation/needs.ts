import catalogue from '../data/needs.json';

export interface Need {
  code: string;
  label: string;
}

export const NEEDS: readonly Need[] = catalogue.needs.map(({ code, label }) => ({ code, label }));
export const NEED_CODES: readonly string[] = NEEDS.map((need) => need.code);
export const SNOMED_SYSTEM = catalogue.snomedSystem;

const NEED_BY_SNOMED = new Map<string, string>(catalogue.needs.flatMap((need) => need.snomed.map((concept) => [concept.code, need.code] as const)));

/** The published SNOMED CT → need mapping, for the API description. */
export const SNOMED_NEED_MAPPING: ReadonlyArray<{ code: string; display: string; need: string }> = catalogue.needs.flatMap((need) =>
  need.snomed.map((concept) => ({ code: concept.code, display: concept.display, need: need.code })),
);

export function isKnownNeed(code: string): boolean {
  return NEED_CODES.includes(code);
}

/** The need a SNOMED CT concept maps to in data, or undefined when unmapped. */
export function needForSnomedCode(code: string): string | undefined {
  return NEED_BY_SNOMED.get(code.trim());
}
