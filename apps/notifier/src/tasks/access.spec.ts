import { AccessTask, referralAccess } from './access';

const task = (recipientType: AccessTask['recipientType'], recipientId: string, status: AccessTask['status']): AccessTask => ({ id: `task-${recipientId}`, recipientType, recipientId, status });

describe('referralAccess', () => {
  const tasks = [task('link-worker', 'amira', 'open'), task('organisation', 'walkers', 'accepted'), task('organisation', 'befrienders', 'withdrawn'), task('organisation', 'advice', 'open')];
  const referral = { linkWorkerId: 'amira', tasks };

  it('gives the referral’s link worker everything', () => {
    expect(referralAccess({ kind: 'link-worker', id: 'amira' }, referral)).toMatchObject({ canSee: true, fullDetails: true, mayRecord: true, mayHandOff: true, openTaskId: 'task-amira' });
  });

  it('gives a link worker holding a task (the PCN lead) the same, and any other link worker nothing', () => {
    const withLead = { linkWorkerId: 'amira', tasks: [...tasks, task('link-worker', 'lead', 'open')] };
    expect(referralAccess({ kind: 'link-worker', id: 'lead' }, withLead)).toMatchObject({ canSee: true, fullDetails: true });
    expect(referralAccess({ kind: 'link-worker', id: 'tom' }, referral)).toEqual(expect.objectContaining({ canSee: false, fullDetails: false, mayRecord: false }));
  });

  it('lets the accepting organisation see the contact and record, never the full details', () => {
    expect(referralAccess({ kind: 'organisation', id: 'walkers' }, referral)).toMatchObject({ canSee: true, fullDetails: false, contactOnly: true, mayRecord: true, mayHandOff: false });
  });

  it('shows an organisation with an open offer the summary only, with its task to decide', () => {
    expect(referralAccess({ kind: 'organisation', id: 'advice' }, referral)).toMatchObject({ canSee: true, contactOnly: false, mayRecord: false, openTaskId: 'task-advice' });
  });

  it('shows a withdrawn organisation the referral without contact or recording, and a stranger nothing', () => {
    expect(referralAccess({ kind: 'organisation', id: 'befrienders' }, referral)).toMatchObject({ canSee: true, contactOnly: false, mayRecord: false, openTaskId: undefined });
    expect(referralAccess({ kind: 'organisation', id: 'food-bank' }, referral).canSee).toBe(false);
  });
});
