import { INSTRUMENTS, validateMeasure } from './instruments';

const now = new Date('2026-11-24T12:00:00Z');

function scored(body: unknown) {
  const result = validateMeasure(body, now);
  if ('problems' in result) throw new Error(JSON.stringify(result.problems));
  return result.measure;
}

describe('wellbeing measures', () => {
  describe('SWEMWBS', () => {
    it.each([
      [[1, 1, 1, 1, 1, 1, 1], 7, 7.0],
      [[2, 1, 1, 1, 1, 1, 1], 8, 9.51],
      [[3, 3, 3, 3, 3, 3, 3], 21, 19.25],
      [[4, 4, 4, 4, 4, 4, 4], 28, 25.03],
      [[5, 5, 5, 5, 5, 5, 4], 34, 32.55],
      [[5, 5, 5, 5, 5, 5, 5], 35, 35.0],
    ])('converts %j (raw %i) to the metric score %d', (items, raw, metric) => {
      expect(scored({ measure: 'SWEMWBS', timepoint: 'start', items }).score).toEqual({ raw, metric });
    });

    it('has a metric score for every possible raw score, rising with it', () => {
      const metrics = Array.from({ length: 29 }, (_, index) => INSTRUMENTS.SWEMWBS.score([index + 7, 0, 0, 0, 0, 0, 0]).metric);
      expect(metrics.every((metric) => typeof metric === 'number')).toBe(true);
      expect([...metrics].sort((a, b) => a - b)).toEqual(metrics);
    });
  });

  it('reports the four ONS4 items separately, anxiety included as given', () => {
    expect(scored({ measure: 'ONS4', timepoint: 'end', items: [7, 8, 6, 3] }).score).toEqual({ lifeSatisfaction: 7, worthwhile: 8, happiness: 6, anxiety: 3 });
  });

  it.each([
    [[1, 1, 1], 3],
    [[2, 3, 1], 6],
    [[3, 3, 3], 9],
  ])('totals UCLA 3-item answers %j to %i', (items, total) => {
    expect(scored({ measure: 'UCLA3', timepoint: 'start', items }).score).toEqual({ total });
  });

  it('names every bad item by its JSON pointer', () => {
    const result = validateMeasure({ measure: 'SWEMWBS', timepoint: 'start', items: [1, 6, 3, 0, 2.5, 'x', 5] }, now);
    expect('problems' in result && result.problems.map((problem) => problem.pointer)).toEqual(['/items/1', '/items/3', '/items/4', '/items/5']);
  });

  it('refuses answers outside each scale', () => {
    const ons = validateMeasure({ measure: 'ONS4', timepoint: 'start', items: [0, 10, 11, -1] }, now);
    expect('problems' in ons && ons.problems.map((problem) => problem.pointer)).toEqual(['/items/2', '/items/3']);
    const ucla = validateMeasure({ measure: 'UCLA3', timepoint: 'start', items: [0, 3, 4] }, now);
    expect('problems' in ucla && ucla.problems.map((problem) => problem.pointer)).toEqual(['/items/0', '/items/2']);
  });

  it('names a wrong count, an unknown measure or timepoint, a bad date and unknown fields', () => {
    const wrongCount = validateMeasure({ measure: 'UCLA3', timepoint: 'start', items: [1, 2] }, now);
    expect('problems' in wrongCount && wrongCount.problems).toEqual([{ pointer: '/items', detail: expect.stringContaining('3 items') }]);
    const bad = validateMeasure({ measure: 'PAM13', timepoint: 'middle', items: [], recordedAt: '24/11/2026', name: 'x' }, now);
    expect('problems' in bad && bad.problems.map((problem) => problem.pointer)).toEqual(['/measure', '/timepoint', '/recordedAt', '/name']);
    const future = validateMeasure({ measure: 'UCLA3', timepoint: 'end', items: [1, 1, 1], recordedAt: '2026-12-01' }, now);
    expect('problems' in future && future.problems.map((problem) => problem.pointer)).toEqual(['/recordedAt']);
  });

  it('names an unknown field by its escaped JSON pointer', () => {
    const result = validateMeasure({ measure: 'UCLA3', timepoint: 'start', items: [1, 1, 1], 'a/b~c': 1 }, now);
    expect('problems' in result && result.problems).toEqual([{ pointer: '/a~1b~0c', detail: 'a/b~c is not a field of a measure' }]);
  });

  it('keeps the date it was recorded on', () => {
    expect(scored({ measure: 'UCLA3', timepoint: 'end', items: [1, 1, 1], recordedAt: '2026-11-20' }).recordedAt).toEqual(new Date('2026-11-20'));
  });
});
