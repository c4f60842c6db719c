import { type FieldProblem, pointerToken } from '@app/shared';
import codes from '../data/codes.json';
import { ReferralInput, Validated, validateReferral } from '../referral-input';
import { Json, Located, ReferenceResolver, asArray, asObject, asString } from './fhir-references';

export type ReferralFormat = 'json' | 'fhir-service-request' | 'fhir-message';

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

const ODS_SYSTEMS: readonly string[] = [codes.odsOrganisationSystem, ...codes.odsOrganisationSystemAliases];

/** The ODS organisation code system, in UK Core's spelling or BaRS's (lower-case "id"): one system. */
export function isOdsSystem(system: unknown): boolean {
  return typeof system === 'string' && ODS_SYSTEMS.includes(system);
}

const ODS_SYSTEM_TEXT = `${codes.odsOrganisationSystem} (or ${codes.odsOrganisationSystemAliases.join(', ')})`;

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

/** A FHIR payload that holds a ServiceRequest: on its own, or as the focus of a BaRS message Bundle. */
export interface LocatedServiceRequest {
  serviceRequest: Located;
  resolver: ReferenceResolver;
  format: ReferralFormat;
  /** The MessageHeader of a message Bundle. */
  header?: Located;
}

/**
 * Finds the ServiceRequest, recording every structural problem on the way but going on wherever the
 * ServiceRequest can still be found, so one answer lists everything wrong with the message.
 */
export function locateServiceRequest(payload: Json, errors: FieldProblem[]): LocatedServiceRequest | undefined {
  if (payload.resourceType === 'ServiceRequest') {
    return { serviceRequest: { resource: payload, pointer: '' }, resolver: new ReferenceResolver(), format: 'fhir-service-request' };
  }
  if (payload.resourceType !== 'Bundle') {
    errors.push({ pointer: '/resourceType', detail: 'must be ServiceRequest, or a Bundle of type message' });
    return undefined;
  }
  if (payload.type !== 'message') {
    errors.push({ pointer: '/type', detail: 'a single referral Bundle must be of type message (use /v1/referrals:batch for batch Bundles)' });
  }
  const entries: Located[] = asArray(payload.entry).flatMap((entry, index) => {
    const resource = asObject(asObject(entry)?.resource);
    return resource ? [{ resource, pointer: `/entry/${index}/resource`, fullUrl: asString(asObject(entry)?.fullUrl) }] : [];
  });
  const resolver = new ReferenceResolver(entries);
  const serviceRequests = entries.filter((entry) => entry.resource.resourceType === 'ServiceRequest');
  const header = entries[0]?.pointer === '/entry/0/resource' && entries[0].resource.resourceType === 'MessageHeader' ? entries[0] : undefined;
  let focus: Located | undefined;
  if (!header) {
    errors.push({ pointer: '/entry/0/resource', detail: 'the first entry of a message Bundle must be a MessageHeader' });
  } else {
    const event = asObject(header.resource.eventCoding);
    if (event?.system !== codes.barsMessageEventSystem || event?.code !== codes.barsRequestEvent) {
      errors.push({ pointer: `${header.pointer}/eventCoding`, detail: `must be ${codes.barsMessageEventSystem}#${codes.barsRequestEvent}` });
    }
    const resolution = resolver.resolve(asArray(header.resource.focus)[0], header);
    focus = resolution && 'found' in resolution && resolution.found.resource.resourceType === 'ServiceRequest' ? resolution.found : undefined;
    if (!focus) {
      const why = resolution && 'missing' in resolution ? resolution.missing : 'it must reference the ServiceRequest entry of this Bundle';
      errors.push({ pointer: `${header.pointer}/focus/0`, detail: `must reference the ServiceRequest entry of this Bundle: ${why}` });
    }
  }
  const serviceRequest = focus ?? (serviceRequests.length === 1 ? serviceRequests[0] : undefined);
  if (!serviceRequest) {
    if (serviceRequests.length === 0) errors.push({ pointer: '/entry', detail: 'a referral message must carry a ServiceRequest entry' });
    return undefined;
  }
  return { serviceRequest, resolver, format: 'fhir-message', header };
}

interface Found {
  value: string;
  pointer: string;
}

/** An ODS code among identifiers (an array, or a reference's single logical identifier). */
function odsCode(identifiers: unknown, pointer: string, single = false): Found | undefined {
  const list = single ? [identifiers] : asArray(identifiers);
  const index = list.findIndex((identifier) => isOdsSystem(asObject(identifier)?.system) && typeof asObject(identifier)?.value === 'string');
  if (index < 0) return undefined;
  return { value: asString(asObject(list[index])!.value)!, pointer: single ? `${pointer}/value` : `${pointer}/${index}/value` };
}

/**
 * The practice a reference leads to: a logical ODS identifier on the reference itself, or an Organization
 * with one (directly, or as a PractitionerRole's organization) resolved in the Bundle or among contained
 * resources. Why a reference led nowhere is noted, so the refusal can say what to change.
 */
function practiceVia(reference: unknown, from: Located, pointer: string, label: string, resolver: ReferenceResolver, notes: string[]): Found | undefined {
  const ref = asObject(reference);
  if (!ref) return undefined;
  const logical = odsCode(ref.identifier, `${pointer}/identifier`, true);
  if (logical) return logical;
  const resolution = resolver.resolve(ref, from);
  if (!resolution) {
    if (ref.identifier !== undefined) notes.push(`${label}.identifier is not an ODS organisation code`);
    return undefined;
  }
  if ('missing' in resolution) {
    notes.push(`${label}: ${resolution.missing}`);
    return undefined;
  }
  const found = resolution.found;
  const type = String(found.resource.resourceType);
  if (type === 'Organization') {
    const code = odsCode(found.resource.identifier, `${found.pointer}/identifier`);
    if (!code) notes.push(`${label} is the Organization at ${found.pointer}, which has no identifier with the ODS system`);
    return code;
  }
  if (type === 'PractitionerRole') {
    if (found.resource.organization === undefined) notes.push(`${label} is the PractitionerRole at ${found.pointer}, which names no organization`);
    return practiceVia(found.resource.organization, found, `${found.pointer}/organization`, `${label} (PractitionerRole).organization`, resolver, notes);
  }
  notes.push(`${label} is a ${type}, which names no practice`);
  return undefined;
}

/** A person's name as one string: the text, else given names and family name. */
function humanName(names: unknown): string | undefined {
  const name = asObject(asArray(names)[0]);
  if (!name) return undefined;
  const text = asString(name.text);
  if (text) return text;
  const parts = [...asArray(name.prefix), ...asArray(name.given), name.family].filter((part): part is string => typeof part === 'string');
  return parts.length ? parts.join(' ') : undefined;
}

/** Who referred: the requester's display, else the Practitioner (or PractitionerRole's practitioner) it resolves to. */
function referrerOf(sr: Located, resolver: ReferenceResolver): { name?: Found; role?: Found } {
  const requester = asObject(sr.resource.requester);
  const display = asString(requester?.display);
  const name: Found | undefined = display !== undefined ? { value: display, pointer: `${sr.pointer}/requester/display` } : undefined;
  const resolved = resolver.resolveTo(requester, sr, ['Practitioner', 'PractitionerRole']);
  if (!resolved) return { name };
  if (resolved.resource.resourceType === 'Practitioner') {
    const fromPractitioner = humanName(resolved.resource.name);
    return { name: name ?? (fromPractitioner !== undefined ? { value: fromPractitioner, pointer: `${resolved.pointer}/name/0` } : undefined) };
  }
  const concept = asObject(asArray(resolved.resource.code)[0]);
  const roleText = asString(concept?.text) ?? asString(asObject(asArray(concept?.coding)[0])?.display);
  const role = roleText !== undefined ? { value: roleText, pointer: `${resolved.pointer}/code/0` } : undefined;
  const practitionerRef = asObject(resolved.resource.practitioner);
  const practitioner = resolver.resolveTo(practitionerRef, resolved, ['Practitioner']);
  const practitionerDisplay = asString(practitionerRef?.display);
  const fromPractitioner = practitioner ? humanName(practitioner.resource.name) : undefined;
  return {
    name:
      name ??
      (practitionerDisplay !== undefined
        ? { value: practitionerDisplay, pointer: `${resolved.pointer}/practitioner/display` }
        : fromPractitioner !== undefined
          ? { value: fromPractitioner, pointer: `${practitioner!.pointer}/name/0` }
          : undefined),
    role,
  };
}

/** The Consent this referral travels with: referenced from supportingInfo, else one in the message about this patient. */
function consentOf(sr: Located, resolver: ReferenceResolver, patient: Located | undefined): { consent: Located; pointer: string } | undefined {
  const supporting = asArray(sr.resource.supportingInfo);
  for (let index = 0; index < supporting.length; index++) {
    const consent = resolver.resolveTo(supporting[index], sr, ['Consent']);
    if (consent) return { consent, pointer: `${sr.pointer}/supportingInfo/${index}` };
  }
  const candidates = resolver.all(sr.container ?? sr).filter((located) => located.resource.resourceType === 'Consent');
  const aboutPatient = candidates.find((candidate) => {
    const subject = resolver.resolveTo(candidate.resource.patient, candidate, ['Patient']);
    return patient !== undefined && subject?.resource === patient.resource;
  });
  const consent = aboutPatient ?? (candidates.length === 1 && candidates[0].resource.patient === undefined ? candidates[0] : undefined);
  return consent ? { consent, pointer: consent.pointer } : undefined;
}

/**
 * Maps a UK Core ServiceRequest (with a contained or bundled Patient) or a BaRS message Bundle onto our
 * referral, then applies exactly the same rules as our JSON. Every problem is reported in one answer,
 * structural and field alike, each naming the FHIR element by JSON pointer.
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
  if (sr.status !== 'active') {
    errors.push({ pointer: at('/status'), detail: `must be active for a new referral (${codes.serviceRequestCancelStatuses.join(' or ')} cancels one sent before)` });
  }
  if (sr.doNotPerform === true) errors.push({ pointer: at('/doNotPerform'), detail: 'a referral that must not be performed cannot be taken' });
  if (!codes.serviceRequestIntents.includes(String(sr.intent))) {
    errors.push({ pointer: at('/intent'), detail: `must be ${codes.serviceRequestIntents.join(', ')}` });
  }
  asArray(sr.category).forEach((concept, conceptIndex) => {
    asArray(asObject(concept)?.coding).forEach((item, codingIndex) => {
      const coding = asObject(item);
      if (coding?.system === codes.barsServiceRequestCategorySystem && coding.code !== codes.barsReferralCategory) {
        errors.push({
          pointer: at(`/category/${conceptIndex}/coding/${codingIndex}/code`),
          detail: `a BaRS "${String(coding.code)}" request is not a referral: send ${codes.barsServiceRequestCategorySystem}#${codes.barsReferralCategory}`,
        });
      }
    });
  });
  const codings = asArray(asObject(sr.code)?.coding).map(asObject);
  if (!codings.some((coding) => coding?.system === codes.snomedSystem && codes.referralToSocialPrescribing.includes(String(coding?.code)))) {
    errors.push({
      pointer: at('/code'),
      detail: `must carry a coding ${codes.snomedSystem}#${codes.referralToSocialPrescribing.join(' or ')} (Referral to social prescribing service)`,
    });
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
  if (asArray(sr.reasonCode).length === 0) {
    errors.push({
      pointer: at('/reasonCode'),
      detail: `at least one reasonCode is required: a SNOMED CT concept mapped to a need, or a need from ${codes.needSystem} (both listed in /docs)`,
    });
  }
  body.needs = needs;
  pointers.set('/needs', at('/reasonCode'));
  if (reasonCodes.length > 0) body.reasonCodes = reasonCodes;

  const subject = resolver.resolve(sr.subject, serviceRequest);
  const patient = subject && 'found' in subject && subject.found.resource.resourceType === 'Patient' ? subject.found : undefined;
  pointers.set('/patient', at('/subject'));
  if (!patient) {
    const why =
      subject && 'missing' in subject
        ? subject.missing
        : subject && 'found' in subject
          ? `it is a ${String(subject.found.resource.resourceType)}`
          : 'it must reference the Patient, contained ("#id") or as a Bundle entry';
    errors.push({ pointer: at('/subject'), detail: `must reference the Patient: ${why}` });
  } else {
    errors.push(...elementProblems(patient, 'Patient'));
    if (patient.resource.deceasedBoolean === true || patient.resource.deceasedDateTime !== undefined) {
      const element = patient.resource.deceasedBoolean === true ? 'deceasedBoolean' : 'deceasedDateTime';
      errors.push({ pointer: `${patient.pointer}/${element}`, detail: 'the patient is recorded as deceased' });
    }
    body.patient = mapPatient(patient, pointers);
  }

  const notes: string[] = [];
  const practice =
    practiceVia(sr.requester, serviceRequest, at('/requester'), 'ServiceRequest.requester', resolver, notes) ??
    asArray(patient?.resource.generalPractitioner)
      .map((reference, index) =>
        practiceVia(reference, patient!, `${patient!.pointer}/generalPractitioner/${index}`, `Patient.generalPractitioner[${index}]`, resolver, notes),
      )
      .find(Boolean);
  pointers.set('/practiceOdsCode', practice?.pointer ?? at('/requester'));
  if (practice) {
    body.practiceOdsCode = practice.value;
  } else {
    errors.push({
      pointer: at('/requester'),
      detail:
        `must identify the referring GP practice: ServiceRequest.requester or Patient.generalPractitioner must lead to an Organization ` +
        `(directly, or as a PractitionerRole's organization) with an identifier of system ${ODS_SYSTEM_TEXT}` +
        (notes.length ? `; here ${notes.join('; ')}` : ''),
    });
  }
  const referrer = referrerOf(serviceRequest, resolver);
  if (referrer.name || referrer.role) {
    body.referrer = { ...(referrer.name ? { name: referrer.name.value } : {}), ...(referrer.role ? { professionalRole: referrer.role.value } : {}) };
    if (referrer.name) pointers.set('/referrer/name', referrer.name.pointer);
    if (referrer.role) pointers.set('/referrer/professionalRole', referrer.role.pointer);
  }

  const found = consentOf(serviceRequest, resolver, patient);
  const consent = found?.consent.resource;
  const provisionType = asString(asObject(consent?.provision)?.type);
  pointers.set('/consentToShare', found?.pointer ?? at('/supportingInfo'));
  if (!found) {
    errors.push({
      pointer: at('/supportingInfo'),
      detail: 'consent to share must be recorded: reference an active Consent from supportingInfo (or include one about this Patient in the message)',
    });
  } else if (consent?.status !== 'active' || (provisionType !== undefined && provisionType !== 'permit')) {
    errors.push({
      pointer: found.pointer,
      detail: `consent to share must be recorded: the Consent at ${found.consent.pointer} must have status active${provisionType !== undefined ? ' and provision.type permit' : ''}`,
    });
  } else {
    body.consentToShare = true;
    if (typeof consent.dateTime === 'string') {
      body.consentRecordedAt = consent.dateTime;
      pointers.set('/consentRecordedAt', `${found.consent.pointer}/dateTime`);
    }
  }

  const notesText = asArray(sr.note)
    .map((note) => asString(asObject(note)?.text))
    .filter((text): text is string => Boolean(text));
  if (notesText.length > 0) {
    body.notes = notesText.join('\n\n');
    pointers.set('/notes', at('/note'));
  }

  const validated = validateReferral(body);
  if (!validated.ok) {
    for (const error of validated.errors) {
      const pointer = pointers.translate(error.pointer, serviceRequest.pointer);
      // A field whose FHIR element was already refused (no Patient, no practice, no consent) says nothing new.
      if (errors.some((known) => pointer === known.pointer || pointer.startsWith(`${known.pointer}/`))) continue;
      errors.push({ ...error, pointer });
    }
  }
  if (errors.length > 0 || !validated.ok) return { ok: false, errors };
  return { ok: true, value: { input: validated.value, format } };
}

/** The name to use: official, else usual, else a current one, else the first. */
function chooseName(names: unknown[]): number {
  const objects = names.map(asObject);
  for (const test of [
    (name: Json | undefined) => name?.use === 'official',
    (name: Json | undefined) => name?.use === 'usual',
    (name: Json | undefined) => !asObject(name?.period)?.end,
  ]) {
    const index = objects.findIndex(test);
    if (index >= 0) return index;
  }
  return 0;
}

const SELF = new Set(['ONESELF']);

function mapPatient(patient: Located, pointers: PointerMap): Json {
  const resource = patient.resource;
  const at = (path: string) => `${patient.pointer}${path}`;
  const mapped: Json = {};
  const nhs = asArray(resource.identifier).findIndex((identifier) => asObject(identifier)?.system === codes.nhsNumberSystem);
  mapped.nhsNumber = nhs >= 0 ? asObject(asArray(resource.identifier)[nhs])?.value : undefined;
  pointers.set('/patient/nhsNumber', nhs >= 0 ? at(`/identifier/${nhs}/value`) : at('/identifier'));
  const names = asArray(resource.name);
  const nameIndex = chooseName(names);
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
  const addresses = asArray(resource.address).map(asObject);
  const addressIndex = Math.max(0, addresses.findIndex((address) => address?.use === 'home' && !asObject(address?.period)?.end));
  const postcode = addresses[addressIndex]?.postalCode;
  if (postcode !== undefined) {
    mapped.postcode = postcode;
    pointers.set('/patient/postcode', at(`/address/${addressIndex}/postalCode`));
  }
  // UK Core senders often put the patient's own numbers under contact with relationship ONESELF.
  const telecom: Array<{ item: Json | undefined; pointer: string }> = [
    ...asArray(resource.telecom).map((item, index) => ({ item: asObject(item), pointer: at(`/telecom/${index}`) })),
    ...asArray(resource.contact).flatMap((contact, contactIndex) => {
      const self = asArray(asObject(contact)?.relationship).some((concept) =>
        asArray(asObject(concept)?.coding).some((coding) => SELF.has(String(asObject(coding)?.code))),
      );
      return self ? asArray(asObject(contact)?.telecom).map((item, index) => ({ item: asObject(item), pointer: at(`/contact/${contactIndex}/telecom/${index}`) })) : [];
    }),
  ];
  const phones = telecom.filter(({ item }) => item?.system === 'phone' || item?.system === 'sms');
  const phone = phones.find(({ item }) => item?.use === 'mobile') ?? phones[0];
  if (phone) {
    mapped.phone = phone.item?.value;
    pointers.set('/patient/phone', `${phone.pointer}/value`);
  }
  const email = telecom.find(({ item }) => item?.system === 'email');
  if (email) {
    mapped.email = email.item?.value;
    pointers.set('/patient/email', `${email.pointer}/value`);
  }
  return mapped;
}
