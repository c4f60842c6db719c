import refreq07Adapted from './fixtures/adapted/BaRS-REFREQ07-social-prescribing.json';
import validationAdapted from './fixtures/adapted/BaRS-ValidationRequest-social-prescribing.json';
import sdohAdapted from './fixtures/adapted/SDOHCC-ServiceRequest-social-prescribing.json';
import ukCoreAdapted from './fixtures/adapted/UKCore-ServiceRequest-social-prescribing.json';
import validationPublished from './fixtures/published/BaRS-API-1.4.0-ValidationRequest-POST.json';
import refreq07Published from './fixtures/published/BaRS-REFREQ07-GP-to-OC.json';
import sdohPublished from './fixtures/published/SDOHCC-ServiceRequestActiveFoodPantryApplicationAssistExample.json';
import ukCorePublished from './fixtures/published/UKCore-ServiceRequest-ColonoscopyRequest-Example.json';
import { mapFhirReferral } from './fhir-referral';

const clone = <T>(value: T): T => structuredClone(value);

function refused(payload: unknown) {
  const result = mapFhirReferral(clone(payload));
  if (result.ok) throw new Error('expected a refusal');
  return result.errors;
}

function accepted(payload: unknown) {
  const result = mapFhirReferral(clone(payload));
  if (!result.ok) throw new Error(`expected acceptance, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

const SP_CODE = 'must carry a coding http://snomed.info/sct#871731000000106 (Referral to social prescribing service)';

describe('published examples, as published: every change needed, in one answer', () => {
  it('BaRS REFREQ07 (GP to community pharmacy): the code, a reason, the NHS number', () => {
    expect(refused(refreq07Published)).toEqual([
      { pointer: '/entry/1/resource/code', detail: SP_CODE },
      { pointer: '/entry/1/resource/reasonCode', detail: expect.stringContaining('at least one reasonCode is required: a SNOMED CT concept mapped to a need') },
      { pointer: '/entry/8/resource/identifier/0/value', detail: 'nhsNumber must be a valid NHS number (ten digits, Modulus 11 check digit)' },
    ]);
  });

  it('BaRS ValidationRequest: not a referral, and the same three', () => {
    expect(refused(validationPublished)).toEqual([
      {
        pointer: '/entry/1/resource/category/0/coding/0/code',
        detail: 'a BaRS "validation" request is not a referral: send https://fhir.nhs.uk/CodeSystem/message-category-servicerequest#referral',
      },
      { pointer: '/entry/1/resource/code', detail: SP_CODE },
      { pointer: '/entry/1/resource/reasonCode', detail: expect.stringContaining('at least one reasonCode is required') },
      { pointer: '/entry/5/resource/identifier/0/value', detail: expect.stringContaining('NHS number') },
    ]);
  });

  it('UK Core ServiceRequest (colonoscopy): the code, references it cannot follow, consent, and the unmapped reason', () => {
    expect(refused(ukCorePublished)).toEqual([
      { pointer: '/code', detail: SP_CODE },
      {
        pointer: '/subject',
        detail:
          'must reference the Patient: "Patient/UKCore-Patient-RichardSmith-Example" is not in this request: contain the resource and reference it as "#id", or send a BaRS message Bundle with it as an entry',
      },
      {
        pointer: '/requester',
        detail: expect.stringMatching(
          /^must identify the referring GP practice: .*https:\/\/fhir\.nhs\.uk\/Id\/ods-organization-code \(or https:\/\/fhir\.nhs\.uk\/id\/ods-organization-code\); here ServiceRequest\.requester: "Practitioner\/UKCore-Practitioner-DoctorPaulRastall-Example" is not in this request/,
        ),
      },
      { pointer: '/supportingInfo', detail: expect.stringContaining('reference an active Consent from supportingInfo') },
      { pointer: '/reasonCode/0/coding/0/code', detail: 'SNOMED CT code "271835004" is not mapped to a social prescribing need' },
    ]);
  });

  it('SDOH Clinical Care ServiceRequest (food pantry): the code, a reason, the patient, the practice, consent', () => {
    expect(refused(sdohPublished).map((error) => error.pointer)).toEqual(['/code', '/reasonCode', '/subject', '/requester', '/supportingInfo']);
  });
});

describe('published examples, adapted only where social prescribing requires it', () => {
  it('BaRS REFREQ07: practice through Patient.generalPractitioner → Organization in the BaRS ODS spelling, referrer through Practitioner, bundled Consent', () => {
    expect(accepted(refreq07Adapted)).toEqual({
      format: 'fhir-message',
      input: {
        patient: {
          nhsNumber: '9990000018',
          givenName: 'Julie',
          familyName: 'Jones',
          dateOfBirth: '1959-05-04',
          sex: 'female',
          postcode: 'LS10 4YU',
          phone: '07736312544',
          email: 'jjones@hotmail.co.uk',
        },
        practiceOdsCode: 'G82080',
        needs: ['loneliness'],
        urgency: 'routine',
        consentToShare: true,
        consentRecordedAt: '2021-11-26',
        referrer: { name: 'Marcy BLAKE' },
      },
    });
  });

  it('BaRS ValidationRequest, as a referral', () => {
    expect(accepted(validationAdapted).input).toMatchObject({ practiceOdsCode: 'G82080', needs: ['loneliness'], patient: { nhsNumber: '9990000018' } });
  });

  it('UK Core: contained Patient, PractitionerRole → contained Organization, contained Consent', () => {
    expect(accepted(ukCoreAdapted)).toEqual({
      format: 'fhir-service-request',
      input: {
        patient: { nhsNumber: '9912003888', givenName: 'Richard', familyName: 'SMITH', dateOfBirth: '1970-09-11', sex: 'male', postcode: 'LS17 7DF', phone: '01131231234' },
        practiceOdsCode: 'B86016',
        needs: ['loneliness'],
        urgency: 'routine',
        consentToShare: true,
        consentRecordedAt: '2019-12-10T11:15:00+00:00',
        referrer: { professionalRole: 'General practitioner' },
      },
    });
  });

  it('SDOH Clinical Care: the current name of several, the practice from a logical identifier', () => {
    expect(accepted(sdohAdapted).input).toMatchObject({
      patient: { nhsNumber: '9990000026', givenName: 'COLIN', familyName: 'BAXTER', postcode: 'LS6 2QT' },
      practiceOdsCode: 'B86016',
      needs: ['money-debt-benefits'],
    });
  });
});

type Bundle = { entry: Array<{ fullUrl?: string; resource: Record<string, any> }> };
const entryOf = (bundle: Bundle, type: string) => bundle.entry.find((entry) => entry.resource.resourceType === type)!;

describe('references a receiver must resolve', () => {
  it('relative Type/id against the entry fullUrl base, and by resource type and id', () => {
    const bundle = JSON.parse(
      JSON.stringify(refreq07Adapted).replaceAll('urn:uuid:9589fb37-87a2-48d8-968f-b371429208a8', 'https://gp.example/fhir/Patient/julie'),
    ) as Bundle;
    const practice = bundle.entry.find((entry) => entry.fullUrl === 'urn:uuid:c8c21609-cb27-4958-8eb2-37c76f3def85')!;
    const patient = entryOf(bundle, 'Patient');
    practice.fullUrl = 'https://gp.example/fhir/Organization/practice-1';
    patient.resource.generalPractitioner = [{ reference: 'Organization/practice-1' }];
    expect(accepted(bundle).input.practiceOdsCode).toBe('G82080');
    delete practice.fullUrl;
    practice.resource.id = 'practice-1';
    expect(accepted(bundle).input.practiceOdsCode).toBe('G82080');
  });

  it('"#id" among the referencing entry\'s own contained resources (Patient.generalPractitioner, ServiceRequest.requester)', () => {
    const bundle = clone(refreq07Adapted) as unknown as Bundle;
    const patient = entryOf(bundle, 'Patient').resource;
    patient.contained = [{ resourceType: 'Organization', id: 'gp', identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A81001' }] }];
    patient.generalPractitioner = [{ reference: '#gp' }];
    expect(accepted(bundle).input.practiceOdsCode).toBe('A81001');
    const serviceRequest = entryOf(bundle, 'ServiceRequest').resource;
    serviceRequest.contained = [
      { resourceType: 'Organization', id: 'surgery', identifier: [{ system: 'https://fhir.nhs.uk/id/ods-organization-code', value: 'Y02345' }] },
      { resourceType: 'PractitionerRole', id: 'gp', organization: { reference: '#surgery' }, practitioner: { display: 'Dr A Khan' } },
    ];
    serviceRequest.requester = { reference: '#gp' };
    expect(accepted(bundle).input).toMatchObject({ practiceOdsCode: 'Y02345', referrer: { name: 'Dr A Khan' } });
  });

  it('says which Organization lacks an ODS code', () => {
    const bundle = clone(refreq07Adapted) as unknown as Bundle;
    const practice = bundle.entry.find((entry) => entry.fullUrl === 'urn:uuid:c8c21609-cb27-4958-8eb2-37c76f3def85')!;
    practice.resource.identifier = [{ system: 'https://fhir.nhs.uk/Id/sds-role-profile-id', value: 'X' }];
    const index = bundle.entry.indexOf(practice);
    expect(refused(bundle)).toEqual([
      {
        pointer: '/entry/1/resource/requester',
        detail: expect.stringContaining(`Patient.generalPractitioner[0] is the Organization at /entry/${index}/resource, which has no identifier with the ODS system`),
      },
    ]);
  });

  it('lists structural and field problems together', () => {
    const bundle = clone(refreq07Adapted) as unknown as Bundle & { type: string };
    bundle.type = 'collection';
    (bundle.entry[0].resource as { eventCoding: { code: string } }).eventCoding.code = 'servicerequest-response';
    entryOf(bundle, 'Patient').resource.birthDate = '2099-01-01';
    expect(refused(bundle).map((error) => error.pointer)).toEqual(['/type', '/entry/0/resource/eventCoding', '/entry/8/resource/birthDate']);
  });
});
