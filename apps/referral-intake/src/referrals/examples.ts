import bundleFixture from './fhir/fixtures/bars-message-bundle.json';
import serviceRequestFixture from './fhir/fixtures/service-request-contained.json';

export const JSON_REFERRAL_EXAMPLE = {
  senderReferralId: 'EMIS-SP-2026-004211',
  patient: {
    nhsNumber: '943 476 5919',
    givenName: 'Margaret',
    familyName: 'Oyelaran',
    dateOfBirth: '1948-02-11',
    sex: 'female',
    postcode: 'LS6 2QT',
    phone: '07700 900123',
    email: 'margaret@example.com',
    preferredContactMethod: 'phone',
  },
  practiceOdsCode: 'B86016',
  needs: ['loneliness', 'green-nature'],
  reasonCodes: ['422650009'],
  urgency: 'routine',
  consentToShare: true,
  consentRecordedAt: '2026-11-24T09:12:00Z',
  referrer: { name: 'Dr Amir Khan', professionalRole: 'General practitioner' },
  notes: 'Widowed last year, keen on gardening. Prefers morning calls.',
};

export const FHIR_SERVICE_REQUEST_EXAMPLE = serviceRequestFixture;
export const FHIR_MESSAGE_BUNDLE_EXAMPLE = bundleFixture;

export const PROBLEM_EXAMPLE = {
  type: 'about:blank',
  title: 'Unprocessable content',
  status: 422,
  detail: 'The referral was refused: see errors',
  instance: '/v1/referrals',
  errors: [
    { pointer: '/patient/nhsNumber', detail: 'nhsNumber must be a valid NHS number (ten digits, Modulus 11 check digit)' },
    { pointer: '/consentToShare', detail: 'consentToShare must be true: a referral travels only with recorded consent' },
  ],
};
