import { ageBand } from './demographics';

describe('demographics for feeds', () => {
  it.each([
    ['2008-11-03', '0-17'],
    ['2008-11-02', '18-24'],
    ['1948-02-11', '75-84'],
    ['1941-11-02', '85+'],
    ['1941-11-03', '75-84'],
  ])('bands a person born %s at the referral date', (dateOfBirth, band) => {
    expect(ageBand(dateOfBirth, new Date('2026-11-02T09:00:00Z'))).toBe(band);
  });
});
