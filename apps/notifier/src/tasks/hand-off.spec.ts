import { handOffChoices, parseHandOffForm } from './hand-off';
import type { Task } from './task.entity';

const task = (recipientId: string, status: Task['status'], needs: string[] = ['loneliness']) => ({ recipientType: 'organisation', recipientId, status, needs }) as Task;

const directory = [
  { id: 'library', name: 'Stockton Library Reading Circles', needs: ['arts-culture-heritage', 'loneliness'], districts: ['TS18', 'TS19'] },
  { id: 'shed', name: "Tees Men's Shed", needs: ['loneliness', 'mental-wellbeing'], districts: ['TS18', 'TS20'] },
  { id: 'debt', name: 'Debt Advice', needs: ['money-debt-benefits'], districts: ['TS1'] },
];
const referral = { needs: ['loneliness'], area: 'TS19' };
const suggestions = [{ recipientType: 'organisation' as const, recipientId: 'library', reason: 'meets loneliness in TS19', needs: ['loneliness'] }];

describe('handOffChoices', () => {
  it('puts routing’s suggestions first, ticked while nothing is offered, and leaves out organisations meeting none of the needs', () => {
    const choices = handOffChoices(referral, [], suggestions, directory);
    expect(choices.map((choice) => [choice.id, choice.suggested, choice.checked, choice.fixed])).toEqual([
      ['library', true, true, false],
      ['shed', false, false, false],
    ]);
    expect(choices[0].hint).toBe('Meets: Loneliness and social isolation; works in TS18, TS19; suggested by routing');
    expect(choices[1].needs).toEqual(['loneliness']);
  });

  it('shows current offers as they stand: open ones ticked, answered ones fixed', () => {
    const choices = handOffChoices(referral, [task('shed', 'open'), task('library', 'declined')], suggestions, directory);
    expect(Object.fromEntries(choices.map((choice) => [choice.id, [choice.state, choice.checked, choice.fixed]]))).toEqual({
      library: ['declined', false, true],
      shed: ['open', true, false],
    });
  });
});

describe('parseHandOffForm', () => {
  const choices = handOffChoices(referral, [], suggestions, directory);

  it('takes the ticked organisations with the needs each is offered for', () => {
    expect(parseHandOffForm({ organisations: ['library', 'shed'] }, choices)).toEqual({
      ok: true,
      value: [
        { organisationId: 'library', needs: ['loneliness'] },
        { organisationId: 'shed', needs: ['loneliness'] },
      ],
    });
    expect(parseHandOffForm({ organisations: 'shed' }, choices)).toEqual({ ok: true, value: [{ organisationId: 'shed', needs: ['loneliness'] }] });
  });

  it('refuses an organisation not on the list, or a fixed one', () => {
    expect(parseHandOffForm({ organisations: ['library', 'debt'] }, choices)).toEqual({ ok: false, errors: [{ field: 'organisation-library', message: 'Select organisations from the list' }] });
    const withDecline = handOffChoices(referral, [task('library', 'declined')], suggestions, directory);
    expect(parseHandOffForm({ organisations: ['library'] }, withDecline).ok).toBe(false);
    expect(parseHandOffForm({ organisations: [{ nested: true }] }, choices).ok).toBe(false);
  });

  it('refuses an empty form only when there is no offer to take back', () => {
    expect(parseHandOffForm({}, choices)).toEqual({ ok: false, errors: [{ field: 'organisation-library', message: 'Select at least one organisation to offer this referral to' }] });
    expect(parseHandOffForm({}, handOffChoices(referral, [task('shed', 'open')], suggestions, directory))).toEqual({ ok: true, value: [] });
  });
});
