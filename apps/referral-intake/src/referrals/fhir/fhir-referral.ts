import type { FieldProblem } from '@app/shared';
import codes from '../data/codes.json';
import { ReferralInput, Validated, pointerToken, validateReferral } from '../referral-input';

export type ReferralFormat = 'json' | 'fhir-service-request' | 'fhir-message';

type Json = Record<string, unknown>;
interface Located {
  resource: Json;
  pointer: string;
}

const asObject = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const COMMON_ELEMENTS = ['resourceType', 'id', 'meta', 'implicitRules', 'language', 'text', 'contained', 'extension', 'modifierExtension'];

/** FHIR R4 elements: anything else is a typo or another version, refused rather than ignored. */
const R4_ELEMENTS: Record<'ServiceRequest' | 'Patient', ReadonlySet<string>> = {
  ServiceRequest: new Set([
    ...COMMON_ELEMENTS,
    ...['identifier', 'instantiatesCanonical', 'instantiatesUri', 'basedOn', 'replaces', 'requisition', 'status', 'intent', 'category', 'priority'],
    ...['doNotPerform', 'code', 'orderDetail', 'quantityQuantity', 'quantityRatio', 'quantityRange', 'subject', 'encounter', 'occurrenceDateTime'],
    ...['occurrencePeriod', 'occurrenceTiming', 'asNeededBoolean', 'asNeededCodeableConcept', 'authoredOn', 'requester', 'performerType', 'performer'],
    ...['locationCode', 'locationReference', 'reasonCode', 'reasonReference', 'insurance', 'supportingInfo', 'specimen', 'bodySite', 'note'],
    ...['patientInstruction', 'relevantHistory'],
  ]),
  Patient: new Set([
    ...COMMON_ELEMENTS,
    ...['identifier', 'active', 'name', 'telecom', 'gender', 'birthDate', 'deceasedBoolean', 'deceasedDateTime', 'address', 'maritalStatus'],
    ...['multipleBirthBoolean', 'multipleBirthInteger', 'photo', 'contact', 'communication', 'generalPractitioner', 'managingOrganization', 'link'],
  ]),
};

/**
 * Elements we would otherwise silently ignore: unknown ones, and modifier extensions, which FHIR says a
 * receiver that does not understand them must not ignore.
 */
function elementProblems(located: Located, type: 'ServiceRequest' | 'Patient'): FieldProblem[] {
  const problems: FieldProblem[] = Object.keys(located.resource)
    .filter((element) => !R4_ELEMENTS[type].has(element))
    .map((element) => ({ pointer: `${located.pointer}/${pointerToken(element)}`, detail: `${element} is not a FHIR R4 ${type} element` }));
  if (located.resource.modifierExtension !== undefined) {
    problems.push({ pointer: `${located.pointer}/modifierExtension`, detail: 'modifier extensions are not understood here, so the resource cannot be accepted' });
  }
  return problems;
}

/** Finds resources by reference: "#id" in the ServiceRequest's contained list, or fullUrl / Type/id in the Bundle. */
class ReferenceResolver {
  constructor(
    private readonly serviceRequest: Located,
    private readonly bundleEntries: Located[] = [],
    private readonly bundleFullUrls: Map<string, Located> = new Map(),
  ) {}

  resolve(reference: unknown): Located | undefined {
    const ref = asString(asObject(reference)?.reference);
    if (!ref) return undefined;
    if (ref.startsWith('#')) {
      const index = asArray(this.serviceRequest.resource.contained).findIndex((item) => asObject(item)?.id === ref.slice(1));
      if (index < 0) return undefined;
      return { resource: asObject(asArray(this.serviceRequest.resource.contained)[index])!, pointer: `${this.serviceRequest.pointer}/contained/${index}` };
    }
    const byUrl = this.bundleFullUrls.get(ref);
    if (byUrl) return byUrl;
    const [type, id] = ref.split('/').slice(-2);
    return this.bundleEntries.find(({ resource }) => resource.resourceType === type && resource.id === id);
  }
}

/** Where each internal field came from in the FHIR payload, so a refusal names the FHIR element. */
class PointerMap {
  private readonly entries: Array<[string, string]> = [];

  set(internal: string, fhir: string): void {
    this.entries.push([internal, fhir]);
  }

  translate(pointer: string, fallback: string): string {
    const match = this.entries
      .filter(([internal]) => pointer === internal || pointer.startsWith(`${internal}/`))
      .sort((a, b) => b[0].length - a[0].length)[0];
    return match ? match[1] + pointer.slice(match[0].length) : fallback;
  }
}

function odsCodeOf(identifiers: unknown): { value: string; index: number } | undefined {
  const list = asArray(identifiers);
  const index = list.findIndex((identifier) => asObject(identifier)?.system === codes.odsOrganisationSystem);
  const value = asString(asObject(list[index])?.value);
  return index >= 0 && value !== undefined ? { value, index } : undefined;
}

function locateServiceRequest(payload: Json, errors: FieldProblem[]): { serviceRequest: Located; resolver: ReferenceResolver; format: ReferralFormat } | undefined {
  if (payload.resourceType === 'ServiceRequest') {
    const serviceRequest = { resource: payload, pointer: '' };
    return { serviceRequest, resolver: new ReferenceResolver(serviceRequest), format: 'fhir-service-request' };
  }
  if (payload.resourceType !== 'Bundle') {
    errors.push({ pointer: '/resourceType', detail: 'must be ServiceRequest, or a Bundle of type message' });
    return undefined;
  }
  if (payload.type !== 'message') {
    errors.push({ pointer: '/type', detail: 'a single referral Bundle must be of type message (use /v1/referrals:batch for batch Bundles)' });
    return undefined;
  }
  const entries: Located[] = [];
  const fullUrls = new Map<string, Located>();
  asArray(payload.entry).forEach((entry, index) => {
    const resource = asObject(asObject(entry)?.resource);
    if (!resource) return;
    const located = { resource, pointer: `/entry/${index}/resource` };
    entries.push(located);
    const fullUrl = asString(asObject(entry)?.fullUrl);
    if (fullUrl) fullUrls.set(fullUrl, located);
  });
  const header = entries[0];
  if (!header || header.resource.resourceType !== 'MessageHeader') {
    errors.push({ pointer: '/entry/0/resource', detail: 'the first entry of a message Bundle must be a MessageHeader' });
    return undefined;
  }
  const event = asObject(header.resource.eventCoding);
  if (event?.system !== codes.barsMessageEventSystem || event?.code !== codes.barsRequestEvent) {
    errors.push({ pointer: '/entry/0/resource/eventCoding', detail: `must be ${codes.barsMessageEventSystem}#${codes.barsRequestEvent}` });
    return undefined;
  }
  const resolver = new ReferenceResolver({ resource: {}, pointer: '' }, entries, fullUrls);
  const focus = resolver.resolve(asArray(header.resource.focus)[0]);
  if (!focus || focus.resource.resourceType !== 'ServiceRequest') {
    errors.push({ pointer: '/entry/0/resource/focus', detail: 'must reference the ServiceRequest entry of this Bundle' });
    return undefined;
  }
  return { serviceRequest: focus, resolver: new ReferenceResolver(focus, entries, fullUrls), format: 'fhir-message' };
}

/**
 * Maps a UK Core ServiceRequest (with a contained or bundled Patient) or a BaRS message Bundle onto our
 * referral, then applies exactly the same rules as our JSON. Errors name FHIR elements by JSON pointer.
 */
export function mapFhirReferral(payload: unknown): Validated<{ input: ReferralInput; format: ReferralFormat }> {
  const errors: FieldProblem[] = [];
  const root = asObject(payload);
  if (!root) return { ok: false, errors: [{ pointer: '', detail: 'a FHIR resource must be a JSON object' }] };
  const located = locateServiceRequest(root, errors);
  if (!located) return { ok: false, errors };
  const { serviceRequest, resolver, format } = located;
  const sr = serviceRequest.resource;
  const at = (path: string) => `${serviceRequest.pointer}${path}`;
  const pointers = new PointerMap();
  const body: Json = {};

  errors.push(...elementProblems(serviceRequest, 'ServiceRequest'));
  if (sr.status !== 'active') errors.push({ pointer: at('/status'), detail: 'must be active for a new referral' });
  if (sr.doNotPerform === true) errors.push({ pointer: at('/doNotPerform'), detail: 'a referral that must not be performed cannot be taken' });
  if (!['order', 'original-order', 'plan', 'proposal'].includes(String(sr.intent))) {
    errors.push({ pointer: at('/intent'), detail: 'must be order, original-order, plan or proposal' });
  }
  const codings = asArray(asObject(sr.code)?.coding).map(asObject);
  if (!codings.some((coding) => coding?.system === codes.snomedSystem && codes.referralToSocialPrescribing.includes(String(coding?.code)))) {
    errors.push({ pointer: at('/code'), detail: `must carry SNOMED CT ${codes.referralToSocialPrescribing.join(' or ')} (referral to social prescribing service)` });
  }

  const identifier = asArray(sr.identifier).findIndex((item) => typeof asObject(item)?.value === 'string');
  if (identifier >= 0) {
    body.senderReferralId = asObject(asArray(sr.identifier)[identifier])!.value;
    pointers.set('/senderReferralId', at(`/identifier/${identifier}/value`));
  }

  if (sr.priority !== undefined) {
    body.urgency = sr.priority;
    pointers.set('/urgency', at('/priority'));
  }

  const needs: string[] = [];
  const reasonCodes: string[] = [];
  asArray(sr.reasonCode).forEach((concept, conceptIndex) => {
    let understood = false;
    asArray(asObject(concept)?.coding).forEach((item, codingIndex) => {
      const coding = asObject(item);
      const code = asString(coding?.code);
      if (!code) return;
      if (coding?.system === codes.snomedSystem) {
        pointers.set(`/reasonCodes/${reasonCodes.length}`, at(`/reasonCode/${conceptIndex}/coding/${codingIndex}/code`));
        reasonCodes.push(code);
        understood = true;
      } else if (coding?.system === codes.needSystem) {
        pointers.set(`/needs/${needs.length}`, at(`/reasonCode/${conceptIndex}/coding/${codingIndex}/code`));
        needs.push(code);
        understood = true;
      }
    });
    if (!understood) errors.push({ pointer: at(`/reasonCode/${conceptIndex}`), detail: `needs a coding from ${codes.snomedSystem} or ${codes.needSystem}` });
  });
  body.needs = needs;
  pointers.set('/needs', at('/reasonCode'));
  if (reasonCodes.length > 0) body.reasonCodes = reasonCodes;

  const patient = resolver.resolve(sr.subject);
  if (!patient || patient.resource.resourceType !== 'Patient') {
    errors.push({ pointer: at('/subject'), detail: 'must reference a Patient, contained ("#id") or in the Bundle' });
  } else {
    errors.push(...elementProblems(patient, 'Patient'));
    if (patient.resource.deceasedBoolean === true || patient.resource.deceasedDateTime !== undefined) {
      const element = patient.resource.deceasedBoolean === true ? 'deceasedBoolean' : 'deceasedDateTime';
      errors.push({ pointer: `${patient.pointer}/${element}`, detail: 'the patient is recorded as deceased' });
    }
    body.patient = mapPatient(patient, pointers);
  }

  const practice = practiceOdsCode(sr, resolver, patient, at);
  if (practice) {
    body.practiceOdsCode = practice.value;
    pointers.set('/practiceOdsCode', practice.pointer);
  } else {
    errors.push({ pointer: at('/requester'), detail: `must identify the referring GP practice by an identifier with system ${codes.odsOrganisationSystem}` });
  }
  const referrerName = asString(asObject(sr.requester)?.display);
  if (referrerName !== undefined) {
    body.referrer = { name: referrerName };
    pointers.set('/referrer/name', at('/requester/display'));
  }

  const consentIndex = asArray(sr.supportingInfo).findIndex((reference) => resolver.resolve(reference)?.resource.resourceType === 'Consent');
  const consent = consentIndex >= 0 ? resolver.resolve(asArray(sr.supportingInfo)[consentIndex])!.resource : undefined;
  const provisionType = asString(asObject(consent?.provision)?.type);
  if (!consent || consent.status !== 'active' || (provisionType !== undefined && provisionType !== 'permit')) {
    errors.push({
      pointer: consent ? at(`/supportingInfo/${consentIndex}`) : at('/supportingInfo'),
      detail: 'consent to share must be recorded: supportingInfo must reference an active Consent permitting the referral',
    });
  } else {
    body.consentToShare = true;
    if (typeof consent.dateTime === 'string') body.consentRecordedAt = consent.dateTime;
  }

  const notes = asArray(sr.note)
    .map((note) => asString(asObject(note)?.text))
    .filter((text): text is string => Boolean(text));
  if (notes.length > 0) {
    body.notes = notes.join('\n\n');
    pointers.set('/notes', at('/note'));
  }

  if (errors.length > 0) return { ok: false, errors };
  const validated = validateReferral(body);
  if (!validated.ok) {
    return { ok: false, errors: validated.errors.map((error) => ({ ...error, pointer: pointers.translate(error.pointer, serviceRequest.pointer) })) };
  }
  return { ok: true, value: { input: validated.value, format } };
}

function mapPatient(patient: Located, pointers: PointerMap): Json {
  const resource = patient.resource;
  const at = (path: string) => `${patient.pointer}${path}`;
  const mapped: Json = {};
  const nhs = asArray(resource.identifier).findIndex((identifier) => asObject(identifier)?.system === codes.nhsNumberSystem);
  mapped.nhsNumber = nhs >= 0 ? asObject(asArray(resource.identifier)[nhs])?.value : undefined;
  pointers.set('/patient/nhsNumber', nhs >= 0 ? at(`/identifier/${nhs}/value`) : at('/identifier'));
  const names = asArray(resource.name);
  const nameIndex = Math.max(0, names.findIndex((name) => asObject(name)?.use === 'official'));
  const name = asObject(names[nameIndex]);
  mapped.givenName = asArray(name?.given)[0];
  mapped.familyName = name?.family;
  pointers.set('/patient/givenName', name ? at(`/name/${nameIndex}/given/0`) : at('/name'));
  pointers.set('/patient/familyName', name ? at(`/name/${nameIndex}/family`) : at('/name'));
  mapped.dateOfBirth = resource.birthDate;
  pointers.set('/patient/dateOfBirth', at('/birthDate'));
  if (resource.gender !== undefined) {
    mapped.sex = resource.gender;
    pointers.set('/patient/sex', at('/gender'));
  }
  const postcode = asObject(asArray(resource.address)[0])?.postalCode;
  if (postcode !== undefined) {
    mapped.postcode = postcode;
    pointers.set('/patient/postcode', at('/address/0/postalCode'));
  }
  const telecom = asArray(resource.telecom).map(asObject);
  const phones = telecom.map((item, index) => ({ item, index })).filter(({ item }) => item?.system === 'phone' || item?.system === 'sms');
  const phone = phones.find(({ item }) => item?.use === 'mobile') ?? phones[0];
  if (phone) {
    mapped.phone = phone.item?.value;
    pointers.set('/patient/phone', at(`/telecom/${phone.index}/value`));
  }
  const email = telecom.findIndex((item) => item?.system === 'email');
  if (email >= 0) {
    mapped.email = telecom[email]?.value;
    pointers.set('/patient/email', at(`/telecom/${email}/value`));
  }
  return mapped;
}

function practiceOdsCode(sr: Json, resolver: ReferenceResolver, patient: Located | undefined, at: (path: string) => string): { value: string; pointer: string } | undefined {
  const requester = asObject(sr.requester);
  const logical = odsCodeOf(asArray(asObject(requester?.identifier) ? [requester!.identifier] : []));
  if (logical) return { value: logical.value, pointer: at('/requester/identifier/value') };
  const resolved = resolver.resolve(requester);
  if (resolved?.resource.resourceType === 'Organization') {
    const ods = odsCodeOf(resolved.resource.identifier);
    if (ods) return { value: ods.value, pointer: `${resolved.pointer}/identifier/${ods.index}/value` };
  }
  if (resolved?.resource.resourceType === 'PractitionerRole') {
    const organisation = asObject(resolved.resource.organization);
    const ods = odsCodeOf(asObject(organisation?.identifier) ? [organisation!.identifier] : []);
    if (ods) return { value: ods.value, pointer: `${resolved.pointer}/organization/identifier/value` };
    const resolvedOrganisation = resolver.resolve(organisation);
    const nested = resolvedOrganisation && odsCodeOf(resolvedOrganisation.resource.identifier);
    if (resolvedOrganisation && nested) return { value: nested.value, pointer: `${resolvedOrganisation.pointer}/identifier/${nested.index}/value` };
  }
  if (patient) {
    const practices = asArray(patient.resource.generalPractitioner);
    for (let index = 0; index < practices.length; index++) {
      const identifier = asObject(asObject(practices[index])?.identifier);
      if (identifier?.system === codes.odsOrganisationSystem && typeof identifier.value === 'string') {
        return { value: identifier.value, pointer: `${patient.pointer}/generalPractitioner/${index}/identifier/value` };
      }
    }
  }
  return undefined;
}

