import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { type FieldProblem, type ReferralPerson, type ReferralReceivedPayload, isKnownNeed, needForSnomedCode, normaliseUkPhone, pointerToken, validationErrorsToProblems, isJsonObject } from '@app/shared';
import { CreateReferralDto, PatientDto, ReferrerDto } from './referral.dto';
import { normaliseNhsNumber } from './validation/nhs-number';

/**
 * A referral as intake keeps it, whatever format it arrived in: the fields every service receives in
 * referral.received (declared once in libs/shared), plus what stays with intake.
 */
export interface ReferralInput
  extends Pick<ReferralReceivedPayload, 'practiceOdsCode' | 'needs' | 'urgency' | 'consentToShare' | 'preferredOrganisationId'>,
    Pick<ReferralPerson, 'patient' | 'referrer'> {
  senderReferralId?: string;
  consentRecordedAt?: string;
  notes?: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldProblem[] };

type DtoClass = new () => object;

const NESTED: ReadonlyMap<DtoClass, Record<string, DtoClass>> = new Map<DtoClass, Record<string, DtoClass>>([[CreateReferralDto, { patient: PatientDto, referrer: ReferrerDto }]]);

/** Each contract class's properties, read once from its decorators: the metadata does not change at run time. */
const DECLARED = new Map<DtoClass, ReadonlySet<string>>();

function declaredProperties(target: DtoClass): ReadonlySet<string> {
  let declared = DECLARED.get(target);
  if (!declared) {
    declared = new Set(getMetadataStorage().getTargetValidationMetadatas(target, '', true, false).map((metadata) => metadata.propertyName));
    DECLARED.set(target, declared);
  }
  return declared;
}

/**
 * Every property the contract does not define, by pointer. Checked on the raw JSON because
 * class-transformer silently skips some keys (e.g. "constructor") that must be refused too.
 */
export function unknownPropertyProblems(raw: unknown, target: DtoClass, base = ''): FieldProblem[] {
  if (!isJsonObject(raw)) return [];
  const declared = declaredProperties(target);
  const record = raw as Record<string, unknown>;
  const problems = Object.keys(record)
    .filter((key) => !declared.has(key))
    .map((key) => ({ pointer: `${base}/${pointerToken(key)}`, detail: `property ${key} should not exist` }));
  for (const [key, nested] of Object.entries(NESTED.get(target) ?? {})) {
    if (Object.hasOwn(record, key)) problems.push(...unknownPropertyProblems(record[key], nested, `${base}/${pointerToken(key)}`));
  }
  return problems;
}

/**
 * Validates our JSON referral. Unknown properties are refused, each bad field named by its JSON pointer;
 * SNOMED CT reason codes become needs through the published mapping.
 */
export function validateReferral(body: unknown, base = ''): Validated<ReferralInput> {
  if (!isJsonObject(body)) {
    return { ok: false, errors: [{ pointer: base, detail: 'a referral must be a JSON object' }] };
  }
  const dto = plainToInstance(CreateReferralDto, body);
  const errors = [
    ...unknownPropertyProblems(body, CreateReferralDto, base),
    ...validationErrorsToProblems(validateSync(dto, { whitelist: true, forbidUnknownValues: true, validationError: { target: false, value: false } }), base),
  ];
  const needs = new Set<string>();
  if (Array.isArray(dto.needs)) {
    dto.needs.forEach((need, index) => {
      if (typeof need !== 'string') return;
      if (isKnownNeed(need)) needs.add(need);
      else errors.push({ pointer: `${base}/needs/${index}`, detail: `"${need}" is not a need on the controlled list (see /docs)` });
    });
  }
  if (Array.isArray(dto.reasonCodes)) {
    dto.reasonCodes.forEach((code, index) => {
      if (typeof code !== 'string') return;
      const need = needForSnomedCode(code);
      if (need) needs.add(need);
      else errors.push({ pointer: `${base}/reasonCodes/${index}`, detail: `SNOMED CT code "${code}" is not mapped to a social prescribing need` });
    });
  }
  // Reported alongside every other problem (all errors in one answer), unless a need or code was already refused.
  const needsRefused = errors.some((error) => [`${base}/needs`, `${base}/reasonCodes`].some((pointer) => error.pointer === pointer || error.pointer.startsWith(`${pointer}/`)));
  if (needs.size === 0 && !needsRefused) {
    errors.push({ pointer: `${base}/needs`, detail: 'at least one need is required (needs or reasonCodes)' });
  }
  if (errors.length > 0) return { ok: false, errors };
  const patient = dto.patient;
  return {
    ok: true,
    value: {
      ...(dto.senderReferralId ? { senderReferralId: dto.senderReferralId } : {}),
      patient: {
        nhsNumber: normaliseNhsNumber(patient.nhsNumber),
        givenName: patient.givenName.trim(),
        familyName: patient.familyName.trim(),
        dateOfBirth: patient.dateOfBirth,
        ...(patient.sex ? { sex: patient.sex } : {}),
        ...(patient.postcode ? { postcode: patient.postcode.trim().toUpperCase() } : {}),
        ...(patient.phone ? { phone: normaliseUkPhone(patient.phone) } : {}),
        ...(patient.email ? { email: patient.email.trim() } : {}),
        ...(patient.preferredContactMethod ? { preferredContactMethod: patient.preferredContactMethod } : {}),
      },
      practiceOdsCode: dto.practiceOdsCode,
      needs: [...needs],
      urgency: dto.urgency ?? 'routine',
      consentToShare: true,
      ...(dto.consentRecordedAt ? { consentRecordedAt: dto.consentRecordedAt } : {}),
      ...(dto.referrer ? { referrer: { ...dto.referrer } } : {}),
      ...(dto.preferredOrganisationId ? { preferredOrganisationId: dto.preferredOrganisationId } : {}),
      ...(dto.notes ? { notes: dto.notes } : {}),
    },
  };
}
