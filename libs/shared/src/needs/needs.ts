import catalogue from './needs.json';

export interface Need {
  code: string;
  /** How every service names the need to people: API description, emails, the workspace. */
  label: string;
}

/** The controlled list of needs a referral may name (data in needs.json: extend there, not in code). */
export const NEEDS: readonly Need[] = catalogue.needs.map(({ code, label }) => ({ code, label }));
export const NEED_CODES: readonly string[] = NEEDS.map((need) => need.code);

const LABELS = new Map(NEEDS.map((need) => [need.code, need.label]));
const NEED_BY_SNOMED = new Map<string, string>(catalogue.needs.flatMap((need) => need.snomed.map((concept) => [concept.code, need.code] as const)));

/** The published SNOMED CT → need mapping, for the API description. */
export const SNOMED_NEED_MAPPING: ReadonlyArray<{ code: string; display: string; need: string }> = catalogue.needs.flatMap((need) =>
  need.snomed.map((concept) => ({ code: concept.code, display: concept.display, need: need.code })),
);

export function isKnownNeed(code: string): boolean {
  return LABELS.has(code);
}

/** The need a SNOMED CT concept maps to in data, or undefined when unmapped. */
export function needForSnomedCode(code: string): string | undefined {
  return NEED_BY_SNOMED.get(code.trim());
}

/** A need's label; a code no longer in the list (an old referral's) is shown as it is. */
export function needLabel(code: string): string {
  return LABELS.get(code) ?? code;
}

/** Needs as one line of text: "Housing, Bereavement". */
export function needsText(codes: readonly string[]): string {
  return codes.map(needLabel).join(', ');
}
