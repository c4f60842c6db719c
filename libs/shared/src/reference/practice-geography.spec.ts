import { geographyOf } from './practice-geography';
import reference from './practices.json';

describe('geographyOf', () => {
  it.each([
    ['A81001', { practiceOdsCode: 'A81001', pcnOdsCode: 'U81001', subIcbCode: '16C', icbCode: 'QHM' }],
    ['A81010', { practiceOdsCode: 'A81010', pcnOdsCode: 'U81002', subIcbCode: '00K', icbCode: 'QHM' }],
    ['Z99999', { practiceOdsCode: 'Z99999', pcnOdsCode: null, subIcbCode: null, icbCode: null }],
    ['a81001', { practiceOdsCode: 'a81001', pcnOdsCode: null, subIcbCode: null, icbCode: null }],
  ])('places practice %s', (odsCode, geography) => expect(geographyOf(odsCode)).toEqual(geography));

  it('holds real code formats, each practice once', () => {
    const codes = reference.practices.map((practice) => practice.odsCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const practice of reference.practices) {
      expect(practice).toEqual({ odsCode: expect.stringMatching(/^[A-Z]\d{5}$/), pcnOdsCode: expect.stringMatching(/^U\d{5}$/), subIcbCode: expect.stringMatching(/^[0-9A-Z]{3}$/), icbCode: expect.stringMatching(/^Q[0-9A-Z]{2}$/) });
    }
  });
});
