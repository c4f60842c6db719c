import fc from 'fast-check';
import { JSON_REFERRAL_EXAMPLE } from './examples';
import { validateReferral } from './referral-input';
import { nhsNumberCheckDigit } from './validation/nhs-number';
import { NEED_CODES } from '@app/shared';

const nhsNumber = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 })
  .map((digits) => digits.join(''))
  .filter((stem) => nhsNumberCheckDigit(stem) !== undefined)
  .map((stem) => `${stem}${nhsNumberCheckDigit(stem)}`);
const pastDate = fc.date({ min: new Date('1900-01-01'), max: new Date(), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
const name = fc.string({ minLength: 1, maxLength: 100 }).filter((value) => value.trim().length > 0);

const validReferral = fc.record(
  {
    senderReferralId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/),
    patient: fc.record(
      {
        nhsNumber,
        givenName: name,
        familyName: name,
        dateOfBirth: pastDate,
        sex: fc.constantFrom('female', 'male', 'other', 'unknown'),
        postcode: fc.constantFrom('LS6 2QT', 'SW1A 1AA', 'M1 1AE', 'b338th'),
        phone: fc.constantFrom('07700 900123', '+44 113 496 0000', '02079460000'),
        email: fc.constantFrom('a@example.com', 'first.last+sp@nhs.net'),
      },
      { requiredKeys: ['nhsNumber', 'givenName', 'familyName', 'dateOfBirth'] },
    ),
    practiceOdsCode: fc.stringMatching(/^[A-Z]\d{5}$/),
    needs: fc.uniqueArray(fc.constantFrom(...NEED_CODES), { minLength: 1, maxLength: 4 }),
    urgency: fc.constantFrom('routine', 'urgent', 'asap'),
    consentToShare: fc.constant(true),
    notes: fc.string({ maxLength: 2000 }),
  },
  { requiredKeys: ['patient', 'practiceOdsCode', 'needs', 'consentToShare'] },
);

describe('validateReferral', () => {
  it('accepts every generated valid referral, keeping its needs and normalising the NHS number', () => {
    fc.assert(
      fc.property(validReferral, (body) => {
        const result = validateReferral(body);
        return result.ok && result.value.needs.length === body.needs.length && /^\d{10}$/.test(result.value.patient.nhsNumber);
      }),
    );
  });

  it('never throws on arbitrary JSON, and every refusal names a pointer into the body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ patient: fc.jsonValue(), needs: fc.jsonValue(), consentToShare: fc.jsonValue() })), (body) => {
        const result = validateReferral(body);
        return result.ok || result.errors.every((error) => error.pointer === '' || error.pointer.startsWith('/'));
      }),
    );
  });

  it('refuses every generated property the contract does not define', () => {
    const known = new Set(Object.keys(JSON_REFERRAL_EXAMPLE).concat('preferredOrganisationId'));
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !known.has(key) && key !== '__proto__'),
        fc.jsonValue(),
        (key, value) => {
          const result = validateReferral({ ...JSON_REFERRAL_EXAMPLE, [key]: value });
          const pointer = `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
          return !result.ok && result.errors.some((error) => error.pointer === pointer);
        },
      ),
      { examples: [['constructor', {}], ['toString', 'x'], ['hasOwnProperty', 1], ['a/b~c', null]] },
    );
  });
});
