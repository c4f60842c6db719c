import { type FieldProblem, pastMoment, pointerToken, isJsonObject } from '@app/shared';
import codes from './data/codes.json';
import { locateServiceRequest } from './fhir/fhir-referral';
import { ReferenceResolver, asArray, asObject, asString } from './fhir/fhir-references';
import { Validated } from './referral-input';

/** Why a GP system cancels a referral it sent (FHIR: ServiceRequest revoked or entered-in-error). */
export const CANCEL_REASONS = [
  { code: 'no-longer-required', label: 'No longer required' },
  { code: 'patient-declined', label: 'The person declined the referral' },
  { code: 'patient-moved', label: 'The person moved away or changed practice' },
  { code: 'referred-elsewhere', label: 'Referred elsewhere' },
  { code: 'entered-in-error', label: 'Sent in error' },
  { code: 'other', label: 'Other (say why in reasonText)' },
] as const;

export type CancelReason = (typeof CANCEL_REASONS)[number]['code'];

export interface CancelRequest {
  reason: CancelReason;
  reasonText?: string;
}

export interface ConsentWithdrawal {
  /** When the person withdrew consent, if the sender knows; now otherwise. */
  recordedAt?: string;
}

const REASON_TEXT_LIMIT = 500;
const unknownProperties = (body: Record<string, unknown>, known: string[]): FieldProblem[] =>
  Object.keys(body)
    .filter((key) => !known.includes(key))
    .map((key) => ({ pointer: `/${pointerToken(key)}`, detail: `property ${key} should not exist` }));

/** {"reason": code, "reasonText"?: text}: every problem at once. */
export function parseCancelRequest(body: unknown): Validated<CancelRequest> {
  if (!isJsonObject(body)) return { ok: false, errors: [{ pointer: '', detail: 'a cancellation must be a JSON object: {"reason": ..., "reasonText": ...}' }] };
  const errors = unknownProperties(body, ['reason', 'reasonText']);
  const codes = CANCEL_REASONS.map((reason) => reason.code) as string[];
  if (typeof body.reason !== 'string' || !codes.includes(body.reason)) {
    errors.push({ pointer: '/reason', detail: `reason must be one of ${codes.join(', ')}` });
  }
  if (body.reasonText !== undefined && (typeof body.reasonText !== 'string' || body.reasonText.length > REASON_TEXT_LIMIT)) {
    errors.push({ pointer: '/reasonText', detail: `reasonText must be text of at most ${REASON_TEXT_LIMIT} characters` });
  }
  if (body.reason === 'other' && !(typeof body.reasonText === 'string' && body.reasonText.trim())) {
    errors.push({ pointer: '/reasonText', detail: 'reasonText must say why when the reason is other' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { reason: body.reason as CancelReason, ...(typeof body.reasonText === 'string' && body.reasonText.trim() ? { reasonText: body.reasonText.trim() } : {}) } };
}

/** {} or {"recordedAt": date-time}. */
export function parseConsentWithdrawal(body: unknown): Validated<ConsentWithdrawal> {
  if (!isJsonObject(body)) return { ok: false, errors: [{ pointer: '', detail: 'a consent withdrawal must be a JSON object, e.g. {} or {"recordedAt": "2026-11-25T09:30:00Z"}' }] };
  const errors = unknownProperties(body, ['recordedAt']);
  const recordedAt = body.recordedAt;
  if (recordedAt !== undefined && !(pastMoment(recordedAt, new Date(), { dateTimeOnly: true }) instanceof Date)) {
    errors.push({ pointer: '/recordedAt', detail: 'recordedAt must be a date-time with a time zone, not in the future' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: typeof recordedAt === 'string' ? { recordedAt } : {} };
}

/** What a FHIR message asks: a new referral, or a change to one sent before (named by its identifier). */
export type FhirIntent =
  | { kind: 'referral' }
  | { kind: 'cancel'; senderReferralId: string; request: CancelRequest }
  | { kind: 'withdraw-consent'; senderReferralId: string; withdrawal: ConsentWithdrawal };

/**
 * A BaRS message (or a ServiceRequest) about a referral sent before: ServiceRequest.status revoked or
 * entered-in-error cancels it; a Consent with status inactive or rejected withdraws consent. Either names
 * the referral by ServiceRequest.identifier, as when it was sent. Anything else is a new referral.
 */
export function fhirIntentOf(payload: unknown): Validated<FhirIntent> {
  const root = asObject(payload);
  if (!root) return { ok: true, value: { kind: 'referral' } };
  const located = locateServiceRequest(root, []);
  if (!located) return { ok: true, value: { kind: 'referral' } };
  const { serviceRequest, resolver } = located;
  const sr = serviceRequest.resource;
  const status = asString(sr.status);
  const consent = consentStatusOf(serviceRequest, resolver);
  const cancelling = status !== undefined && codes.serviceRequestCancelStatuses.includes(status);
  const withdrawing = consent !== undefined && codes.consentWithdrawnStatuses.includes(consent.status);
  if (!cancelling && !withdrawing) return { ok: true, value: { kind: 'referral' } };
  const identifierIndex = asArray(sr.identifier).findIndex((item) => typeof asObject(item)?.value === 'string');
  if (identifierIndex < 0) {
    return {
      ok: false,
      errors: [{ pointer: `${serviceRequest.pointer}/identifier`, detail: 'must carry the identifier the referral was sent with, to say which referral this changes' }],
    };
  }
  const senderReferralId = asString(asObject(asArray(sr.identifier)[identifierIndex])!.value)!;
  if (withdrawing) {
    const recordedAt = asString(consent!.resource.dateTime);
    return { ok: true, value: { kind: 'withdraw-consent', senderReferralId, withdrawal: recordedAt && recordedAt.includes('T') ? { recordedAt } : {} } };
  }
  const reasonText = asArray(sr.note)
    .map((note) => asString(asObject(note)?.text))
    .filter((text): text is string => Boolean(text))
    .join('\n\n')
    .slice(0, REASON_TEXT_LIMIT);
  const reason: CancelReason = status === 'entered-in-error' ? 'entered-in-error' : 'no-longer-required';
  return { ok: true, value: { kind: 'cancel', senderReferralId, request: { reason, ...(reasonText ? { reasonText } : {}) } } };
}

function consentStatusOf(serviceRequest: { resource: Record<string, unknown>; pointer: string }, resolver: ReferenceResolver) {
  for (const reference of asArray(serviceRequest.resource.supportingInfo)) {
    const consent = resolver.resolveTo(reference, serviceRequest, ['Consent']);
    if (consent) return { resource: consent.resource, status: String(consent.resource.status) };
  }
  const bundled = resolver.all(serviceRequest).find((located) => located.resource.resourceType === 'Consent');
  return bundled ? { resource: bundled.resource, status: String(bundled.resource.status) } : undefined;
}
