import refreq07Adapted from './fhir/fixtures/adapted/BaRS-REFREQ07-social-prescribing.json';
import serviceRequestFixture from './fhir/fixtures/service-request-contained.json';
import { fhirIntentOf, parseCancelRequest, parseConsentWithdrawal } from './referral-changes';

type Bundle = { entry: Array<{ resource: Record<string, any> }> };
const entryOf = (bundle: Bundle, type: string) => bundle.entry.find((entry) => entry.resource.resourceType === type)!.resource;

describe('cancelling', () => {
  it('takes a reason code and optional text', () => {
    expect(parseCancelRequest({ reason: 'patient-moved' })).toEqual({ ok: true, value: { reason: 'patient-moved' } });
    expect(parseCancelRequest({ reason: 'other', reasonText: ' Moved to Scotland ' })).toEqual({ ok: true, value: { reason: 'other', reasonText: 'Moved to Scotland' } });
  });

  it('lists every problem at once', () => {
    expect(parseCancelRequest({ reason: 'bored', reasonText: 'x'.repeat(501), extra: 1 })).toEqual({
      ok: false,
      errors: [
        { pointer: '/extra', detail: 'property extra should not exist' },
        { pointer: '/reason', detail: expect.stringContaining('reason must be one of no-longer-required, ') },
        { pointer: '/reasonText', detail: expect.stringContaining('at most 500') },
      ],
    });
    expect(parseCancelRequest({ reason: 'other' })).toEqual({ ok: false, errors: [{ pointer: '/reasonText', detail: expect.stringContaining('say why') }] });
    expect(parseCancelRequest([])).toEqual({ ok: false, errors: [{ pointer: '', detail: expect.any(String) }] });
  });
});

describe('withdrawing consent', () => {
  it('takes an empty object, or when it was recorded', () => {
    expect(parseConsentWithdrawal({})).toEqual({ ok: true, value: {} });
    expect(parseConsentWithdrawal({ recordedAt: '2026-11-25T09:30:00Z' })).toEqual({ ok: true, value: { recordedAt: '2026-11-25T09:30:00Z' } });
    expect(parseConsentWithdrawal({ recordedAt: '2999-01-01T00:00:00Z' })).toMatchObject({ ok: false, errors: [{ pointer: '/recordedAt' }] });
    expect(parseConsentWithdrawal({ recordedAt: '2026-11-25' })).toMatchObject({ ok: false, errors: [{ pointer: '/recordedAt' }] });
  });
});

describe('what a FHIR message asks', () => {
  it('a new referral, when active with an active Consent', () => {
    expect(fhirIntentOf(structuredClone(serviceRequestFixture))).toEqual({ ok: true, value: { kind: 'referral' } });
  });

  it('a cancellation, when the ServiceRequest is revoked or entered-in-error, named by its identifier', () => {
    const revoked = { ...structuredClone(serviceRequestFixture), status: 'revoked', note: [{ text: 'Found a walking group' }] };
    expect(fhirIntentOf(revoked)).toEqual({
      ok: true,
      value: { kind: 'cancel', senderReferralId: 'EMIS-SP-2026-004211', request: { reason: 'no-longer-required', reasonText: 'Found a walking group' } },
    });
    const bundle = structuredClone(refreq07Adapted) as unknown as Bundle;
    entryOf(bundle, 'ServiceRequest').status = 'entered-in-error';
    entryOf(bundle, 'ServiceRequest').identifier = [{ system: 'https://gp.example/referral', value: 'GP-1' }];
    expect(fhirIntentOf(bundle)).toEqual({ ok: true, value: { kind: 'cancel', senderReferralId: 'GP-1', request: { reason: 'entered-in-error' } } });
  });

  it('a consent withdrawal, when its Consent is inactive or rejected', () => {
    const bundle = structuredClone(refreq07Adapted) as unknown as Bundle;
    entryOf(bundle, 'ServiceRequest').identifier = [{ value: 'GP-2' }];
    entryOf(bundle, 'Consent').status = 'inactive';
    expect(fhirIntentOf(bundle)).toEqual({ ok: true, value: { kind: 'withdraw-consent', senderReferralId: 'GP-2', withdrawal: {} } });
  });

  it('refuses a change that does not say which referral it changes', () => {
    const revoked = { ...structuredClone(serviceRequestFixture), status: 'revoked' } as Record<string, unknown>;
    delete revoked.identifier;
    expect(fhirIntentOf(revoked)).toEqual({ ok: false, errors: [{ pointer: '/identifier', detail: expect.stringContaining('identifier the referral was sent with') }] });
  });
});
