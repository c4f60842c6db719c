import { CaseloadReferral, CaseloadTask, caseloadGroup, followUpState, groupCaseload } from './caseload';

const amira = { kind: 'link-worker' as const, id: 'amira' };
const walkers = { kind: 'organisation' as const, id: 'walkers' };

const task = (recipientId: string, status: CaseloadTask['status'], extra: Partial<CaseloadTask> = {}): CaseloadTask => ({
  recipientType: recipientId === 'amira' ? 'link-worker' : 'organisation',
  recipientId,
  status,
  reminderDueAt: null,
  remindedAt: null,
  escalatedAt: null,
  ...extra,
});

const referral = (status: string, tasks: CaseloadTask[], receivedAt = new Date('2026-11-20T10:00:00Z'), referralId = 'r'): CaseloadReferral => ({ referralId, status, receivedAt, tasks });

describe('caseloadGroup for the link worker', () => {
  it.each([
    ['new when nobody has been offered it', referral('routed', [task('amira', 'open')]), 'new'],
    ['waiting while organisations hold open offers', referral('routed', [task('amira', 'accepted'), task('walkers', 'open')]), 'waiting'],
    ['overdue once an open offer needed a reminder', referral('routed', [task('walkers', 'open', { remindedAt: new Date() }), task('advice', 'open')]), 'overdue'],
    ['accepted when an organisation accepted', referral('accepted', [task('walkers', 'accepted'), task('advice', 'withdrawn')]), 'accepted'],
    ['new again when every organisation declined', referral('declined', [task('walkers', 'declined')]), 'new'],
    ['in progress after contact', referral('contacted', [task('walkers', 'accepted')]), 'in-progress'],
    ['in progress with sessions', referral('in-progress', [task('walkers', 'accepted')]), 'in-progress'],
    ['closed once completed', referral('completed', [task('walkers', 'accepted')]), 'closed'],
    ['closed once closed', referral('closed', []), 'closed'],
  ])('%s', (_name, input, group) => {
    expect(caseloadGroup(amira, input)).toBe(group);
  });
});

describe('caseloadGroup for an organisation', () => {
  it.each([
    ['new while its offer is open', referral('routed', [task('walkers', 'open')]), 'new'],
    ['overdue once reminded', referral('routed', [task('walkers', 'open', { remindedAt: new Date() })]), 'overdue'],
    ['accepted when it accepted', referral('accepted', [task('walkers', 'accepted')]), 'accepted'],
    ['in progress after contact', referral('in-progress', [task('walkers', 'accepted')]), 'in-progress'],
    ['closed when its offer was withdrawn', referral('accepted', [task('walkers', 'withdrawn'), task('advice', 'accepted')]), 'closed'],
    ['closed when it declined', referral('routed', [task('walkers', 'declined')]), 'closed'],
    ['closed when the referral ended', referral('closed', [task('walkers', 'accepted')]), 'closed'],
  ])('%s', (_name, input, group) => {
    expect(caseloadGroup(walkers, input)).toBe(group);
  });
});

describe('followUpState', () => {
  const due = new Date('2026-11-25T10:00:00Z');
  it('reports the furthest stage reached', () => {
    expect(followUpState(amira, referral('routed', [task('walkers', 'open', { reminderDueAt: due })]))).toEqual({ state: 'reminder-due', at: due });
    expect(followUpState(amira, referral('routed', [task('walkers', 'open', { remindedAt: due }), task('advice', 'open', { escalatedAt: due, remindedAt: due })]))).toEqual({ state: 'escalated', at: due });
    expect(followUpState(amira, referral('accepted', [task('walkers', 'accepted', { remindedAt: due })]))).toEqual({ state: 'none' });
  });
  it('shows an organisation only its own offer’s follow-up', () => {
    expect(followUpState(walkers, referral('routed', [task('walkers', 'open', { reminderDueAt: due }), task('advice', 'open', { escalatedAt: due })]))).toEqual({ state: 'reminder-due', at: due });
  });
});

describe('groupCaseload', () => {
  it('keeps the groups in order and each newest first', () => {
    const older = referral('routed', [task('walkers', 'open')], new Date('2026-11-01T00:00:00Z'), 'older');
    const newer = referral('routed', [task('walkers', 'open')], new Date('2026-11-02T00:00:00Z'), 'newer');
    const closed = referral('closed', [], new Date('2026-11-03T00:00:00Z'), 'closed');
    const groups = groupCaseload(amira, [older, closed, newer]);
    expect(groups.map((group) => group.key)).toEqual(['new', 'overdue', 'waiting', 'accepted', 'in-progress', 'closed']);
    expect(groups.find((group) => group.key === 'waiting')?.referrals.map((r) => r.referralId)).toEqual(['newer', 'older']);
    expect(groups.find((group) => group.key === 'closed')?.referrals.map((r) => r.referralId)).toEqual(['closed']);
  });
});
