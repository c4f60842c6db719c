import { parseDecisionForm, parseMeasureForm, parseOutcomeForm } from './forms';

const now = new Date('2026-11-25T14:30:00Z');
const received = new Date('2026-11-20T09:00:00Z');

describe('parseOutcomeForm', () => {
  it('records today when no date is given', () => {
    expect(parseOutcomeForm({ kind: 'contacted' }, now, received)).toEqual({ ok: true, value: { kind: 'contacted', occurredAt: now, attempts: null, reason: null } });
  });

  it('takes a past day at midday', () => {
    const parsed = parseOutcomeForm({ kind: 'session-attended', 'occurred-day': '21', 'occurred-month': '11', 'occurred-year': '2026' }, now, received);
    expect(parsed).toEqual({ ok: true, value: expect.objectContaining({ occurredAt: new Date('2026-11-21T12:00:00Z') }) });
  });

  it.each([
    [{}, [{ field: 'kind', message: 'Select what happened' }]],
    [{ kind: 'teleported' }, [{ field: 'kind', message: 'Select what happened' }]],
    [{ kind: 'could-not-contact' }, [{ field: 'attempts', message: expect.stringContaining('how many times') }]],
    [{ kind: 'could-not-contact', attempts: '0' }, [{ field: 'attempts', message: expect.any(String) }]],
    [{ kind: 'could-not-contact', attempts: 'three' }, [{ field: 'attempts', message: expect.any(String) }]],
    [{ kind: 'closed' }, [{ field: 'reason', message: 'Select why the referral is closing' }]],
    [{ kind: 'closed', reason: 'bored' }, [{ field: 'reason', message: 'Select why the referral is closing' }]],
    [{ kind: 'contacted', 'occurred-day': '31', 'occurred-month': '2', 'occurred-year': '2026' }, [{ field: 'occurred-day', message: 'Enter a real date' }]],
    [{ kind: 'contacted', 'occurred-day': '1', 'occurred-month': '12', 'occurred-year': '2026' }, [{ field: 'occurred-day', message: 'The date must be today or in the past' }]],
    [{ kind: 'contacted', 'occurred-day': '19', 'occurred-month': '11', 'occurred-year': '2026' }, [{ field: 'occurred-day', message: expect.stringContaining('after the day the referral was received') }]],
    [{ kind: 'contacted', 'occurred-day': 'x', 'occurred-month': '', 'occurred-year': '' }, [{ field: 'occurred-day', message: expect.stringContaining('day, month and year') }]],
  ])('refuses %j naming the field', (body, errors) => {
    expect(parseOutcomeForm(body, now, received)).toEqual({ ok: false, errors });
  });

  it('reports every problem at once', () => {
    const parsed = parseOutcomeForm({ kind: 'closed', 'occurred-day': '40', 'occurred-month': '1', 'occurred-year': '2026' }, now, received);
    expect(parsed.ok === false && parsed.errors.map((error) => error.field)).toEqual(['occurred-day', 'reason']);
  });

  it('accepts attempts and a close reason', () => {
    expect(parseOutcomeForm({ kind: 'could-not-contact', attempts: '3' }, now, received)).toEqual({ ok: true, value: expect.objectContaining({ attempts: 3 }) });
    expect(parseOutcomeForm({ kind: 'closed', reason: 'could-not-contact' }, now, received)).toEqual({ ok: true, value: expect.objectContaining({ reason: 'could-not-contact' }) });
  });
});

describe('parseMeasureForm', () => {
  const swemwbs = (answers: string[]) => Object.fromEntries([['timepoint', 'start'], ...answers.map((answer, index) => [`item-${index + 1}`, answer])]);

  it('scores SWEMWBS with the metric conversion', () => {
    const parsed = parseMeasureForm('SWEMWBS', swemwbs(['3', '3', '3', '3', '3', '3', '3']), now);
    expect(parsed).toEqual({ ok: true, value: { measure: 'SWEMWBS', timepoint: 'start', items: [3, 3, 3, 3, 3, 3, 3], score: { raw: 21, metric: expect.any(Number) }, recordedAt: now } });
  });

  it('names each unanswered or out-of-range item', () => {
    const parsed = parseMeasureForm('SWEMWBS', swemwbs(['3', '', '6', '3', '0', '3', '3']), now);
    expect(parsed.ok === false && parsed.errors.map((error) => error.field)).toEqual(['item-2', 'item-3', 'item-5']);
    expect(parsed.ok === false && parsed.errors[0].message).toBe('Answer question 2: I’ve been feeling useful');
  });

  it('checks the timepoint and the instrument', () => {
    expect(parseMeasureForm('UCLA3', { 'item-1': '1', 'item-2': '2', 'item-3': '3' }, now)).toEqual({ ok: false, errors: [{ field: 'timepoint', message: expect.any(String) }] });
    expect(parseMeasureForm('PAM13', {}, now)).toEqual({ ok: false, errors: [{ field: 'measure', message: 'Choose a wellbeing measure' }] });
    expect(parseMeasureForm('ONS4', { timepoint: 'end', 'item-1': '10', 'item-2': '0', 'item-3': '5', 'item-4': '11' }, now)).toEqual({ ok: false, errors: [{ field: 'item-4', message: expect.any(String) }] });
    expect(parseMeasureForm('UCLA3', { timepoint: 'end', 'item-1': '1', 'item-2': '2', 'item-3': '3' }, now)).toEqual({ ok: true, value: expect.objectContaining({ score: { total: 6 } }) });
  });
});

describe('parseDecisionForm', () => {
  const reasons = [{ code: 'no-capacity' }, { code: 'other' }];
  it('accepts, or declines with a listed reason', () => {
    expect(parseDecisionForm({ decision: 'accept' }, reasons)).toEqual({ ok: true, value: { decision: 'accept' } });
    expect(parseDecisionForm({ decision: 'decline', reason: 'no-capacity' }, reasons)).toEqual({ ok: true, value: { decision: 'decline', reason: 'no-capacity' } });
  });
  it('names the missing reason or explanation', () => {
    expect(parseDecisionForm({ decision: 'decline' }, reasons)).toEqual({ ok: false, errors: [{ field: 'reason', message: 'Choose a reason for declining' }] });
    expect(parseDecisionForm({ decision: 'decline', reason: 'other', reasonText: '  ' }, reasons)).toEqual({ ok: false, errors: [{ field: 'reasonText', message: 'Say briefly why you are declining' }] });
    expect(parseDecisionForm({ decision: ['accept'] }, reasons).ok).toBe(false);
  });
});
