import { NEEDS, NEED_CODES, isKnownNeed, needForSnomedCode, needLabel, needsText } from './needs';

describe('needs (controlled list in data)', () => {
  it('knows the controlled codes and only those', () => {
    expect(isKnownNeed('loneliness')).toBe(true);
    expect(isKnownNeed('Loneliness')).toBe(false);
    expect(isKnownNeed('astrology')).toBe(false);
  });

  it('maps SNOMED CT concepts to needs through the data file', () => {
    expect(needForSnomedCode('422650009')).toBe('loneliness');
    expect(needForSnomedCode(' 422650009 ')).toBe('loneliness');
    expect(needForSnomedCode('415510005')).toBe('physical-activity');
    expect(needForSnomedCode('871731000000106')).toBeUndefined();
  });

  it('has one label for each code, and each code once', () => {
    expect(new Set(NEED_CODES).size).toBe(NEEDS.length);
    for (const need of NEEDS) expect(need.label).toMatch(/^\S.*\S$/);
  });

  it.each([
    ['loneliness', 'Loneliness and social isolation'],
    ['carers-support', "Carers' support"],
    ['housing', 'Housing'],
    ['astrology', 'astrology'],
  ])('labels %p as %p', (code, label) => expect(needLabel(code)).toBe(label));

  it.each([
    [[], ''],
    [['housing'], 'Housing'],
    [['housing', 'bereavement', 'unlisted'], 'Housing, Bereavement, unlisted'],
  ])('writes %p as %p', (codes, text) => expect(needsText(codes)).toBe(text));
});
