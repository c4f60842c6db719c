import codes from '../data/codes.json';
import { SNOMED_NEED_MAPPING, NEEDS } from '@app/shared';

/**
 * How a FHIR ServiceRequest or BaRS message becomes our referral: one row per field, as `mapFhirReferral`
 * reads it. The docs (/docs and docs/fhir-mapping.md) are rendered from these rows and the code lists in
 * data/codes.json and the needs catalogue (libs/shared/src/needs/needs.json), so they cannot say something the code does not do.
 */
export const FHIR_FIELD_MAPPING: ReadonlyArray<{ field: string; from: string; rule: string }> = [
  { field: 'senderReferralId', from: 'ServiceRequest.identifier', rule: 'the first identifier with a value; the same value from the same sender is the same referral, for ever' },
  { field: 'patient', from: 'ServiceRequest.subject', rule: 'a Patient: contained ("#id") or a Bundle entry (fullUrl, or relative Type/id)' },
  { field: 'patient.nhsNumber', from: 'Patient.identifier', rule: `the one with system ${codes.nhsNumberSystem}; Modulus 11 checked` },
  { field: 'patient.givenName, patient.familyName', from: 'Patient.name', rule: 'the official name, else the usual one, else the current one (no period.end): given[0] and family' },
  { field: 'patient.dateOfBirth', from: 'Patient.birthDate', rule: 'a real date, not in the future' },
  { field: 'patient.sex', from: 'Patient.gender', rule: 'female, male, other or unknown' },
  { field: 'patient.postcode', from: 'Patient.address', rule: 'postalCode of the current home address, else the first; a UK postcode' },
  { field: 'patient.phone', from: 'Patient.telecom, Patient.contact (relationship ONESELF).telecom', rule: 'system phone or sms, the mobile one first; a UK number' },
  { field: 'patient.email', from: 'Patient.telecom, Patient.contact (relationship ONESELF).telecom', rule: 'system email' },
  {
    field: 'practiceOdsCode',
    from: 'ServiceRequest.requester, else Patient.generalPractitioner',
    rule:
      `an identifier with system ${[codes.odsOrganisationSystem, ...codes.odsOrganisationSystemAliases].join(' or ')}: on the reference itself, ` +
      'or on the Organization it leads to (directly, or as a PractitionerRole\'s organization); a GP practice code (one letter, five digits) your sender is registered for',
  },
  { field: 'needs', from: 'ServiceRequest.reasonCode.coding', rule: `SNOMED CT (${codes.snomedSystem}) concepts mapped below, or need codes from ${codes.needSystem}; at least one` },
  { field: 'urgency', from: 'ServiceRequest.priority', rule: 'routine (default), urgent or asap; stat is refused' },
  {
    field: 'consentToShare, consentRecordedAt',
    from: 'ServiceRequest.supportingInfo → Consent, else a Consent in the message about the Patient',
    rule: 'status active, provision.type permit (or absent); dateTime is when it was recorded',
  },
  { field: 'referrer.name', from: 'ServiceRequest.requester', rule: 'display, else the name of the Practitioner it leads to (or the PractitionerRole\'s practitioner)' },
  { field: 'referrer.professionalRole', from: 'PractitionerRole.code', rule: 'text, else the first coding\'s display' },
  { field: 'notes', from: 'ServiceRequest.note.text', rule: 'all notes, in order' },
];

/** What a FHIR referral must be, whatever it carries. */
export const FHIR_REQUIREMENTS: readonly string[] = [
  'A `ServiceRequest`, or a `Bundle` of type `message` whose first entry is a `MessageHeader` with `eventCoding` ' +
    `${codes.barsMessageEventSystem}#${codes.barsRequestEvent} and whose \`focus\` is the ServiceRequest entry.`,
  `\`ServiceRequest.code\` carries ${codes.snomedSystem}#${codes.referralToSocialPrescribing.join(' or #')} (Referral to social prescribing service).`,
  '`ServiceRequest.status` is `active` for a new referral; `intent` is ' + codes.serviceRequestIntents.map((intent) => `\`${intent}\``).join(', ') + '.',
  `A BaRS \`category\` from ${codes.barsServiceRequestCategorySystem} must be \`${codes.barsReferralCategory}\` (a validation request is not a referral).`,
  'Elements that are not FHIR R4 elements of ServiceRequest or Patient, `modifierExtension`, `doNotPerform: true` and a deceased Patient are refused, not ignored.',
  `Cancelling: the same message again, its ServiceRequest (same \`identifier\`) with \`status\` ${codes.serviceRequestCancelStatuses.map((status) => `\`${status}\``).join(' or ')} ` +
    '(entered-in-error becomes the reason `entered-in-error`, revoked `no-longer-required`; `note` text travels as the reason text).',
  `Withdrawing consent: the same message again, its Consent with \`status\` ${codes.consentWithdrawnStatuses.map((status) => `\`${status}\``).join(' or ')}.`,
];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The mapping as Markdown: fields, requirements, and the codes we accept. */
export function fhirMappingMarkdown(): string {
  return [
    '## FHIR R4 / BaRS → referral',
    '',
    '| our field | FHIR element | rule |',
    '|---|---|---|',
    ...FHIR_FIELD_MAPPING.map((row) => `| \`${row.field}\` | ${cell(row.from)} | ${cell(row.rule)} |`),
    '',
    '### Requirements',
    '',
    ...FHIR_REQUIREMENTS.map((requirement) => `- ${requirement}`),
    '',
    '### Needs, and the SNOMED CT concepts accepted for each',
    '',
    '| need code | need | SNOMED CT concepts (reasonCode) |',
    '|---|---|---|',
    ...NEEDS.map((need) => {
      const concepts = SNOMED_NEED_MAPPING.filter((entry) => entry.need === need.code).map((entry) => `${entry.code} ${entry.display}`);
      return `| \`${need.code}\` | ${cell(need.label)} | ${concepts.length ? cell(concepts.join('; ')) : '(use the need code)'} |`;
    }),
    '',
    `The ODS organisation code system is accepted as \`${codes.odsOrganisationSystem}\` and as ${codes.odsOrganisationSystemAliases.map((system) => `\`${system}\``).join(', ')}. ${codes.odsOrganisationSystemAliasesNote}`,
    '',
  ].join('\n');
}
