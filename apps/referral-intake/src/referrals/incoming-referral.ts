import { type FieldProblem, pointerToken, isJsonObject } from '@app/shared';
import { ReferralFormat, mapFhirReferral } from './fhir/fhir-referral';
import { ReferralInput, Validated, validateReferral } from './referral-input';

export const BATCH_MAX_ITEMS = 1000;

/** A referral that passed every rule, with what it looked like on the wire. */
export interface IncomingReferral {
  input: ReferralInput;
  format: ReferralFormat;
  /** The FHIR payload exactly as posted; null for our own JSON (the stored referral is that). */
  original: unknown;
}

export function isFhirContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/fhir+json';
}

function prefixed(errors: FieldProblem[], base: string): FieldProblem[] {
  return errors.map((error) => ({ ...error, pointer: `${base}${error.pointer}` }));
}

export function parseReferral(body: unknown, fhir: boolean, base = ''): Validated<IncomingReferral> {
  if (fhir) {
    const mapped = mapFhirReferral(body);
    if (!mapped.ok) return { ok: false, errors: prefixed(mapped.errors, base) };
    return { ok: true, value: { input: mapped.value.input, format: mapped.value.format, original: body } };
  }
  const validated = validateReferral(body, base);
  if (!validated.ok) return validated;
  return { ok: true, value: { input: validated.value, format: 'json', original: null } };
}

/**
 * A batch is {"referrals": [...]} in our JSON, or a FHIR Bundle of type batch whose entries are
 * ServiceRequests or BaRS message Bundles. Either way, each item is judged on its own.
 */
export function parseBatch(body: unknown, fhir: boolean): Validated<Array<Validated<IncomingReferral>>> {
  const root = isJsonObject(body) ? body : undefined;
  if (!root) return { ok: false, errors: [{ pointer: '', detail: 'a batch must be a JSON object' }] };
  if (fhir) {
    if (root.resourceType !== 'Bundle' || root.type !== 'batch') {
      return { ok: false, errors: [{ pointer: root.resourceType !== 'Bundle' ? '/resourceType' : '/type', detail: 'a FHIR batch must be a Bundle of type batch' }] };
    }
    const entries = Array.isArray(root.entry) ? root.entry : undefined;
    if (!entries || entries.length === 0) return { ok: false, errors: [{ pointer: '/entry', detail: 'must list at least one referral' }] };
    if (entries.length > BATCH_MAX_ITEMS) return { ok: false, errors: [{ pointer: '/entry', detail: `must list at most ${BATCH_MAX_ITEMS} referrals` }] };
    return {
      ok: true,
      value: entries.map((entry, index) => parseReferral((entry as { resource?: unknown } | null)?.resource, true, `/entry/${index}/resource`)),
    };
  }
  const unknown = Object.keys(root).filter((key) => key !== 'referrals');
  if (unknown.length > 0) return { ok: false, errors: unknown.map((key) => ({ pointer: `/${pointerToken(key)}`, detail: `property ${key} should not exist` })) };
  if (!Array.isArray(root.referrals) || root.referrals.length === 0) return { ok: false, errors: [{ pointer: '/referrals', detail: 'must be a non-empty array of referrals' }] };
  if (root.referrals.length > BATCH_MAX_ITEMS) return { ok: false, errors: [{ pointer: '/referrals', detail: `must list at most ${BATCH_MAX_ITEMS} referrals` }] };
  return { ok: true, value: root.referrals.map((item, index) => parseReferral(item, false, `/referrals/${index}`)) };
}
