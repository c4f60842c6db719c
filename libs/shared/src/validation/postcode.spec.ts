import { isUkPostcode, parseUkPostcode, postcodeDistrict } from './postcode';

describe('UK postcodes', () => {
  it.each(['LS6 2QT', 'SW1A 1AA', 'm1 1ae', 'B338TH', ' TS1 3QY ', 'EC1A 1BB', 'W1A 0AX'])('accepts %p', (value) => expect(isUkPostcode(value)).toBe(true));

  it.each(['LS6', '12345', 'LS6 2QTT', 'LS6 2CI', 'LS6  2QT', '', 'not a postcode', 'LS6-2QT', '1S6 2QT'])('refuses %p', (value) =>
    expect(isUkPostcode(value)).toBe(false),
  );

  it.each([
    ['TS1 2AA', { outward: 'TS1', inward: '2AA' }],
    ['ts12aa', { outward: 'TS1', inward: '2AA' }],
    ['SW1A 1AA', { outward: 'SW1A', inward: '1AA' }],
    ['TS18 1NU', { outward: 'TS18', inward: '1NU' }],
    ['not a postcode', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('parses %p', (value, parsed) => expect(parseUkPostcode(value)).toEqual(parsed));

  it.each([
    ['TS1 2AA', 'TS1'],
    ['ts12aa', 'TS1'],
    ['SW1A 1AA', 'SW1A'],
    ['M1 1AE', 'M1'],
    ['ts5 7xy', 'TS5'],
    ['not a postcode', undefined],
    [undefined, undefined],
    [null, undefined],
  ])('keeps only the district of %p', (postcode, district) => expect(postcodeDistrict(postcode)).toBe(district));
});
