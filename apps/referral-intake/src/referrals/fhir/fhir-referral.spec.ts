import bundleFixture from './fixtures/bars-message-bundle.json';
import serviceRequestFixture from './fixtures/service-request-contained.json';
import { mapFhirReferral } from './fhir-referral';

const clone = <T>(value: T): T => structuredClone(value);

function refused(payload: unknown) {
  const result = mapFhirReferral(payload);
  if (result.ok) throw new Error('expected a refusal');
  return result.errors;
}

describe('FHIR ServiceRequest with contained Patient', () => {
  it('maps onto the internal referral', () => {
    const result = mapFhirReferral(clone(serviceRequestFixture));
    expect(result).toEqual({
      ok: true,
      value: {
        format: 'fhir-service-request',
        input: {
          senderReferralId: 'EMIS-SP-2026-004211',
          patient: {
            nhsNumber: '9434765919',
            givenName: 'Margaret',
            familyName: 'Oyelaran',
            dateOfBirth: '1948-02-11',
            sex: 'female',
            postcode: 'LS6 2QT',
            phone: '07700900123',
            email: 'margaret@example.com',
          },
          practiceOdsCode: 'B86016',
          needs: ['green-nature', 'loneliness'],
          urgency: 'routine',
          consentToShare: true,
          consentRecordedAt: '2026-11-24T09:12:00+00:00',
          referrer: { name: 'Dr Amir Khan, Leeds City Medical Practice' },
          notes: 'Widowed last year, keen on gardening. Prefers morning calls.',
        },
      },
    });
  });

  it('names the FHIR element of a bad NHS number', () => {
    const payload = clone(serviceRequestFixture);
    payload.contained[0].identifier![0].value = '9434765912';
    expect(refused(payload)).toEqual([{ pointer: '/contained/0/identifier/0/value', detail: expect.stringContaining('NHS number') }]);
  });

  it('refuses a referral without recorded consent', () => {
    const payload = clone(serviceRequestFixture) as Record<string, unknown> & { contained: unknown[] };
    delete payload.supportingInfo;
    payload.contained = payload.contained.slice(0, 1);
    expect(refused(payload)).toEqual([{ pointer: '/supportingInfo', detail: expect.stringContaining('consent') }]);
  });

  it('finds a Consent about the patient that supportingInfo does not reference, as BaRS messages carry it', () => {
    const payload = clone(serviceRequestFixture) as Record<string, unknown>;
    delete payload.supportingInfo;
    const result = mapFhirReferral(payload);
    expect(result.ok && result.value.input.consentToShare).toBe(true);
  });

  it('refuses a consent that is not active', () => {
    const payload = clone(serviceRequestFixture);
    payload.contained[1].status = 'rejected';
    expect(refused(payload)).toEqual([{ pointer: '/supportingInfo/0', detail: expect.stringContaining('consent') }]);
  });

  it('refuses an unmapped SNOMED CT reason and a future birth date, each by pointer', () => {
    const payload = clone(serviceRequestFixture);
    payload.reasonCode[0].coding[0].code = '38341003';
    payload.contained[0].birthDate = '2099-01-01';
    const pointers = refused(payload).map((error) => error.pointer);
    expect(pointers.sort()).toEqual(['/contained/0/birthDate', '/reasonCode/0/coding/0/code']);
  });

  it('refuses a request that is not a social prescribing referral, or not active', () => {
    const payload = clone(serviceRequestFixture);
    payload.code.coding[0].code = '183524004';
    payload.status = 'draft';
    expect(refused(payload).map((error) => error.pointer).sort()).toEqual(['/code', '/status']);
  });

  it('refuses stat priority and a subject that resolves to nothing', () => {
    const payload = clone(serviceRequestFixture);
    payload.subject.reference = '#nobody';
    expect(refused(payload)).toContainEqual({ pointer: '/subject', detail: expect.any(String) });
    const stat = clone(serviceRequestFixture);
    stat.priority = 'stat';
    expect(refused(stat)).toEqual([{ pointer: '/priority', detail: expect.stringContaining('urgency') }]);
  });

  it('refuses elements it would otherwise ignore: unknown ones, modifier extensions, doNotPerform, a deceased patient', () => {
    const payload = clone(serviceRequestFixture) as Record<string, unknown> & { contained: Array<Record<string, unknown>> };
    payload.reasonCodes = ['422650009'];
    payload.doNotPerform = true;
    payload.contained[0].modifierExtension = [{ url: 'https://example.org/x', valueBoolean: true }];
    payload.contained[0].deceasedBoolean = true;
    payload.contained[0].nhsNumber = '9434765919';
    expect(refused(payload).map((error) => error.pointer).sort()).toEqual([
      '/contained/0/deceasedBoolean',
      '/contained/0/modifierExtension',
      '/contained/0/nhsNumber',
      '/doNotPerform',
      '/reasonCodes',
    ]);
  });

  it('falls back to the patient\'s registered practice when the requester has no ODS code', () => {
    const payload = clone(serviceRequestFixture) as Record<string, unknown>;
    payload.requester = { display: 'Dr Amir Khan' };
    const result = mapFhirReferral(payload);
    expect(result.ok && result.value.input.practiceOdsCode).toBe('B86016');
  });
});

describe('BaRS message Bundle', () => {
  it('maps MessageHeader focus, bundled Patient, PractitionerRole practice and Consent', () => {
    const result = mapFhirReferral(clone(bundleFixture));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.format).toBe('fhir-message');
    expect(result.value.input).toMatchObject({
      senderReferralId: 'TPP-778812',
      practiceOdsCode: 'Y02345',
      urgency: 'urgent',
      needs: ['employment-training', 'mental-wellbeing'],
      patient: { nhsNumber: '4010232137', givenName: 'Daniel', familyName: 'Hughes', dateOfBirth: '1979-06-30', sex: 'male', phone: '+447700900456', postcode: 'M1 1AE' },
      referrer: { name: 'Nurse J Patel' },
    });
  });

  it('names bundle entries in its pointers', () => {
    const payload = clone(bundleFixture);
    (payload.entry[2].resource as { identifier: Array<{ value: string }> }).identifier[0].value = '4010232138';
    expect(refused(payload)).toEqual([{ pointer: '/entry/2/resource/identifier/0/value', detail: expect.any(String) }]);
  });

  it('refuses a Bundle whose first entry is not a BaRS request MessageHeader', () => {
    const wrongEvent = clone(bundleFixture);
    (wrongEvent.entry[0].resource as { eventCoding: { code: string } }).eventCoding.code = 'servicerequest-response';
    expect(refused(wrongEvent)).toEqual([{ pointer: '/entry/0/resource/eventCoding', detail: expect.any(String) }]);
    const noHeader = clone(bundleFixture);
    noHeader.entry.shift();
    expect(refused(noHeader)[0].pointer).toBe('/entry/0/resource');
  });

  it('refuses other resource and Bundle types', () => {
    expect(refused({ resourceType: 'Patient' })).toEqual([{ pointer: '/resourceType', detail: expect.any(String) }]);
    expect(refused({ ...clone(bundleFixture), type: 'document' })).toEqual([{ pointer: '/type', detail: expect.any(String) }]);
  });
});
