/**
 * A UK postcode: outward code (area and district, e.g. "LS6", "SW1A"), at most one space, inward code
 * (sector digit and two unit letters, never C, I, K, M, O or V). Case is ignored; so is space around it.
 */
const UK_POSTCODE = /^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})$/;

export interface UkPostcode {
  /** The postcode district ("LS6"): the area we route and report on. */
  outward: string;
  inward: string;
}

export function parseUkPostcode(value: string | null | undefined): UkPostcode | undefined {
  const match = UK_POSTCODE.exec((value ?? '').trim().toUpperCase());
  return match ? { outward: match[1], inward: match[2] } : undefined;
}

export function isUkPostcode(value: string): boolean {
  return parseUkPostcode(value) !== undefined;
}

/** The outward code of a UK postcode ("LS6 2QT" → "LS6"), or undefined when the value is not a postcode. */
export function postcodeDistrict(value: string | null | undefined): string | undefined {
  return parseUkPostcode(value)?.outward;
}
