import { agreedContact, dateOfBirthText, formatNhsNumber, formatPhone, personDetailsFrom } from './person-details';

describe('person details', () => {
  const patient = { nhsNumber: '9434765919', givenName: 'Margaret', familyName: 'Oyelaran', dateOfBirth: '1948-02-11', phone: '07700900999', email: 'm@example.com', postcode: 'TS1 4AB' };

  it('keeps what the link worker needs from referral.received, and no more', () => {
    const details = personDetailsFrom({ patient: { ...patient, sex: 'female', preferredContactMethod: 'text' }, notes: 'Prefers mornings', referrer: { name: 'Dr A Khan' } });
    expect(details).toEqual({ ...patient, preferredContactMethod: 'text', notes: 'Prefers mornings', referrer: { name: 'Dr A Khan' } });
    expect(personDetailsFrom({ patient, referrer: {} })).toEqual(patient);
  });

  it('formats UK phone numbers for reading', () => {
    expect(formatPhone('07700900999')).toBe('07700 900999');
    expect(formatPhone('+447700900999')).toBe('07700 900999');
    expect(formatPhone('02079460018')).toBe('020 7946 0018');
    expect(formatPhone('01642496000')).toBe('01642 496000');
    expect(formatPhone('12345')).toBe('12345');
  });

  it('formats NHS numbers 3-3-4', () => {
    expect(formatNhsNumber('9434765919')).toBe('943 476 5919');
    expect(formatNhsNumber('943 476 5919')).toBe('943 476 5919');
    expect(formatNhsNumber('12345')).toBe('12345');
  });

  it('shows the date of birth with the age on the day', () => {
    expect(dateOfBirthText('1948-02-11', new Date('2026-02-10T12:00:00Z'))).toBe('11 February 1948 (aged 77)');
    expect(dateOfBirthText('1948-02-11', new Date('2026-02-11T12:00:00Z'))).toBe('11 February 1948 (aged 78)');
  });

  it('gives an accepting organisation only the name and the agreed contact', () => {
    const details = personDetailsFrom({ patient: { ...patient, preferredContactMethod: 'email' }, notes: 'secret notes' });
    const contact = agreedContact(details);
    expect(contact).toEqual({ name: 'Margaret Oyelaran', method: 'Email', value: 'm@example.com' });
    expect(JSON.stringify(contact)).not.toMatch(/9434765919|1948|secret notes|07700/);
    expect(agreedContact({ ...details, preferredContactMethod: undefined })).toEqual({ name: 'Margaret Oyelaran', method: 'Phone call', value: '07700 900999' });
    expect(agreedContact({ ...details, preferredContactMethod: 'text', phone: undefined })).toEqual({ name: 'Margaret Oyelaran', method: 'Text message' });
  });
});
