import type { ReferralView } from './casework.service';
import type { ReferralCase } from './tasks.store';
import type { Task } from './task.entity';
import { caseloadPage, referralPage, scoreText } from './workspace-view';

const referral: ReferralCase = {
  referralId: '0a1b2c3d-0000-4000-8000-000000000001',
  status: 'accepted',
  linkWorkerId: 'amira',
  needs: ['loneliness'],
  urgency: 'urgent',
  practiceOdsCode: 'A81001',
  practiceName: 'Linthorpe Road Surgery',
  area: 'TS1',
  receivedAt: new Date('2026-11-20T09:00:00Z'),
  statusChangedAt: new Date('2026-11-21T09:00:00Z'),
  acceptedOrganisationId: 'walkers',
  contactAttempts: 0,
  sessionsAttended: 0,
  sessionsMissed: 0,
  closedAt: null,
  closeReason: null,
  correlationId: null,
};

const task = (recipientType: Task['recipientType'], recipientId: string, status: Task['status'], extra: Partial<Task> = {}) =>
  ({ id: `t-${recipientId}`, referralId: referral.referralId, recipientType, recipientId, status, needs: ['loneliness'], offeredBy: 'routing', reminderDueAt: null, remindedAt: null, escalatedAt: null, withdrawnReason: null, declineReason: null, ...extra }) as Task;

const tasks = [task('link-worker', 'amira', 'accepted'), task('organisation', 'walkers', 'accepted'), task('organisation', 'befrienders', 'withdrawn', { withdrawnReason: 'accepted-elsewhere' })];
const names = new Map([
  ['walkers', 'Albert Park Walkers'],
  ['befrienders', 'Befriending Network'],
]);
const details = { nhsNumber: '9434765919', givenName: 'Margaret', familyName: 'Oyelaran', dateOfBirth: '1948-02-11', phone: '07700 900999', preferredContactMethod: 'phone' as const, notes: 'Widowed last year.', referrer: { name: 'Dr A Khan', professionalRole: 'GP' } };

function view(overrides: Partial<ReferralView>): ReferralView {
  return {
    referral,
    tasks,
    access: { canSee: true, fullDetails: false, contactOnly: false, mayRecord: false, mayHandOff: false },
    detailsDeleted: false,
    outcomes: [],
    measures: [],
    ...overrides,
  };
}

describe('referralPage', () => {
  it('shows the link worker who to call: NHS number 3-3-4, date of birth with age, contact, notes, referrer', () => {
    const page = referralPage({ kind: 'link-worker', id: 'amira' }, view({ details, access: { canSee: true, fullDetails: true, contactOnly: false, mayRecord: true, mayHandOff: true } }), names, new Date('2026-11-25T00:00:00Z'));
    expect(page.person?.name).toBe('Margaret Oyelaran');
    expect(page.person?.rows).toEqual([
      { key: 'NHS number', value: '943 476 5919' },
      { key: 'Date of birth', value: '11 February 1948 (aged 78)' },
      { key: 'Phone', value: '07700 900999', href: 'tel:07700900999' },
      { key: 'Preferred contact', value: 'Phone call' },
    ]);
    expect(page.person?.notes).toBe('Widowed last year.');
    expect(page.summary).toContainEqual({ key: 'Referred by', value: 'Dr A Khan, GP' });
    expect(page.audited).toBe(true);
    expect(page.offers.map((offer) => [offer.name, offer.status])).toEqual([
      ['Albert Park Walkers', 'Accepted'],
      ['Befriending Network', 'Offer withdrawn: another organisation accepted'],
    ]);
    expect(page.mayHandOff && page.mayRecord).toBe(true);
  });

  it('shows the accepting organisation the contact only, and only its own offer', () => {
    const page = referralPage(
      { kind: 'organisation', id: 'walkers' },
      view({ contact: { name: 'Margaret Oyelaran', method: 'Phone call', value: '07700 900999' }, access: { canSee: true, fullDetails: false, contactOnly: true, mayRecord: true, mayHandOff: false } }),
      names,
    );
    expect(page.person).toBeUndefined();
    expect(page.contact).toEqual({ name: 'Margaret Oyelaran', method: 'Phone call', value: '07700 900999' });
    expect(page.offers.map((offer) => offer.name)).toEqual(['Albert Park Walkers']);
    expect(JSON.stringify(page)).not.toMatch(/943 476 5919|9434765919|Widowed|1948/);
    expect(page.mayHandOff).toBe(false);
  });

  it('lists what happened in order, with measure scores', () => {
    const page = referralPage(
      { kind: 'link-worker', id: 'amira' },
      view({
        outcomes: [
          { id: '1', referralId: referral.referralId, kind: 'could-not-contact', occurredAt: new Date('2026-11-21T10:00:00Z'), reason: null, attempts: 2, recordedByKind: 'organisation', recordedById: 'walkers' },
          { id: '2', referralId: referral.referralId, kind: 'closed', occurredAt: new Date('2026-11-24T10:00:00Z'), reason: 'no-longer-interested', attempts: null, recordedByKind: 'link-worker', recordedById: 'amira' },
        ],
        measures: [{ id: 'm', referralId: referral.referralId, measure: 'SWEMWBS', timepoint: 'start', items: [3, 3, 3, 3, 3, 3, 3], score: { raw: 21, metric: 20.73 }, recordedByKind: 'organisation', recordedById: 'walkers', recordedAt: new Date('2026-11-22T10:00:00Z') }],
      }),
      names,
    );
    expect(page.history).toEqual([
      { when: '21 Nov 2026', what: 'Could not contact the person (2 attempts)' },
      { when: '22 Nov 2026', what: 'Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) at the start: raw score 21 (7 to 35), metric score 20.73' },
      { when: '24 Nov 2026', what: 'Close the referral: No longer interested' },
    ]);
  });
});

describe('caseloadPage', () => {
  it('lists each group with a count and each referral without identifiable data', () => {
    const page = caseloadPage({ kind: 'link-worker', id: 'amira' }, [{ ...referral, tasks }]);
    expect(page.groups.map((group) => [group.key, group.count])).toEqual([
      ['new', 0],
      ['overdue', 0],
      ['waiting', 0],
      ['accepted', 1],
      ['in-progress', 0],
      ['closed', 0],
    ]);
    expect(page.groups[3].referrals[0]).toEqual(
      expect.objectContaining({ href: `/workspace/referrals/${referral.referralId}`, reference: '0A1B2C3D', needs: 'Loneliness and social isolation', practice: 'Linthorpe Road Surgery (A81001)', urgent: true, status: { text: 'Accepted', colour: 'green' } }),
    );
  });
});

describe('scoreText', () => {
  it('reads each instrument’s score', () => {
    expect(scoreText('UCLA3', { total: 6 })).toBe('total 6 (3 to 9, higher is lonelier)');
    expect(scoreText('ONS4', { lifeSatisfaction: 7, worthwhile: 8, happiness: 6, anxiety: 3 })).toContain('anxiety 3');
  });
});
