import { DEFAULT_ROUTING_RULES, RoutingDirectory, RoutingLinkWorker, RoutingOrganisation, RoutingReferral, routeReferral } from './routing';

const COVERING = 'a0000000-0000-4000-8000-000000000001';
const LEAD = 'a0000000-0000-4000-8000-000000000002';
const WALKING = 'b0000000-0000-4000-8000-000000000001';
const DEBT = 'b0000000-0000-4000-8000-000000000002';
const GARDEN = 'b0000000-0000-4000-8000-000000000003';
const CLOSED = 'b0000000-0000-4000-8000-000000000004';

function worker(id: string, practices: string[], rules: Partial<RoutingLinkWorker['routingRules']> = {}, active = true): RoutingLinkWorker {
  return { id, active, practiceOdsCodes: practices, routingRules: { ...DEFAULT_ROUTING_RULES, ...rules } };
}

function organisation(id: string, name: string, offers: Array<[string, string]>, acceptingReferrals = true): RoutingOrganisation {
  return { id, name, acceptingReferrals, offers: offers.map(([need, district]) => ({ need, district })) };
}

function directory(overrides: Partial<RoutingDirectory> = {}): RoutingDirectory {
  return {
    practice: { odsCode: 'A81001', pcnOdsCode: 'U81001', postcode: 'TS1 2AA' },
    pcn: { odsCode: 'U81001', leadLinkWorkerId: LEAD },
    linkWorkers: [worker(COVERING, ['A81001']), worker(LEAD, ['A81002'])],
    organisations: [
      organisation(WALKING, 'Walk Tees', [['physical-activity', 'TS1'], ['loneliness', 'TS1']]),
      organisation(DEBT, 'Tees Debt Advice', [['money-debt-benefits', 'TS1'], ['money-debt-benefits', 'TS5']]),
      organisation(GARDEN, 'Grow Together Garden', [['green-nature', 'TS5'], ['loneliness', 'TS5']]),
      organisation(CLOSED, 'Full Up Befrienders', [['loneliness', 'TS1']], false),
    ],
    ...overrides,
  };
}

const referral = (overrides: Partial<RoutingReferral> = {}): RoutingReferral => ({ practiceOdsCode: 'A81001', needs: ['loneliness'], ...overrides });

const recipients = (decision: ReturnType<typeof routeReferral>) => decision.tasks.map((task) => `${task.recipientType}:${task.recipientId}`);

describe('routeReferral', () => {
  it.each<[string, RoutingReferral, Partial<RoutingDirectory>, 'routed' | 'unrouted', string[]]>([
    ['the covering link worker and the matching organisation in the practice area', referral(), {}, 'routed', [`link-worker:${COVERING}`, `organisation:${WALKING}`]],
    ['the patient postcode district over the practice district', referral({ postcode: 'ts5 7xy' }), {}, 'routed', [`link-worker:${COVERING}`, `organisation:${GARDEN}`]],
    ['the PCN lead when no link worker covers the practice', referral({ practiceOdsCode: 'A81003' }), { practice: { odsCode: 'A81003', pcnOdsCode: 'U81001', postcode: 'TS1 4BB' } }, 'routed', [`link-worker:${LEAD}`, `organisation:${WALKING}`]],
    ['the PCN lead when the covering link worker is inactive', referral(), { linkWorkers: [worker(COVERING, ['A81001'], {}, false), worker(LEAD, [])] }, 'routed', [`link-worker:${LEAD}`, `organisation:${WALKING}`]],
    ['organisations meeting more needs first', referral({ needs: ['money-debt-benefits', 'physical-activity', 'loneliness'] }), {}, 'routed', [`link-worker:${COVERING}`, `organisation:${WALKING}`, `organisation:${DEBT}`]],
    ['the organisation the GP named, even outside the area', referral({ preferredOrganisationId: GARDEN }), {}, 'routed', [`link-worker:${COVERING}`, `organisation:${GARDEN}`, `organisation:${WALKING}`]],
    ['no named organisation that is not accepting referrals', referral({ preferredOrganisationId: CLOSED, needs: ['housing'] }), {}, 'unrouted', [`link-worker:${COVERING}`, `link-worker:${LEAD}`]],
    ['only the link worker when their rules hold referrals', referral(), { linkWorkers: [worker(COVERING, ['A81001'], { forwardToOrganisations: 'link-worker-first' })] }, 'routed', [`link-worker:${COVERING}`]],
    ['no more organisations than the rules allow', referral({ needs: ['money-debt-benefits', 'physical-activity'] }), { linkWorkers: [worker(COVERING, ['A81001'], { maxOrganisations: 1 })] }, 'routed', [`link-worker:${COVERING}`, `organisation:${DEBT}`]],
    ['only the link worker when every need is one they keep', referral({ needs: ['loneliness'] }), { linkWorkers: [worker(COVERING, ['A81001'], { excludedNeeds: ['loneliness'] })] }, 'routed', [`link-worker:${COVERING}`]],
    ['the PCN lead too when no organisation matches', referral({ needs: ['bereavement'] }), {}, 'unrouted', [`link-worker:${COVERING}`, `link-worker:${LEAD}`]],
    ['the lead once when the lead covers the practice and nothing matches', referral({ needs: ['housing'] }), { linkWorkers: [worker(LEAD, ['A81001'])] }, 'unrouted', [`link-worker:${LEAD}`]],
    ['nobody when the practice is unknown', referral({ practiceOdsCode: 'Z99999' }), { practice: undefined, pcn: undefined }, 'unrouted', []],
  ])('routes to %s', (_label, input, overrides, outcome, expected) => {
    const decision = routeReferral(input, directory(overrides));
    expect(decision.outcome).toBe(outcome);
    expect(recipients(decision)).toEqual(expected);
  });

  it('suggests the same organisations with link-worker-first, offering none until the link worker confirms', () => {
    const automatic = routeReferral(referral({ needs: ['loneliness', 'money-debt-benefits'] }), directory());
    const held = routeReferral(referral({ needs: ['loneliness', 'money-debt-benefits'] }), directory({ linkWorkers: [worker(COVERING, ['A81001'], { forwardToOrganisations: 'link-worker-first' })] }));
    expect(held.suggestions).toEqual(automatic.suggestions);
    expect(held.suggestions.map((task) => [task.recipientId, task.needs])).toEqual([
      [DEBT, ['money-debt-benefits']],
      [WALKING, ['loneliness']],
    ]);
    expect(recipients(held)).toEqual([`link-worker:${COVERING}`]);
    expect(automatic.tasks.slice(1)).toEqual(automatic.suggestions);
  });

  it('offers the named organisation for the needs it meets', () => {
    const decision = routeReferral(referral({ needs: ['loneliness', 'housing'], preferredOrganisationId: GARDEN }), directory());
    expect(decision.suggestions[0]).toEqual({ recipientType: 'organisation', recipientId: GARDEN, reason: 'named-by-gp', needs: ['loneliness'] });
  });

  it('says why a referral is unrouted', () => {
    expect(routeReferral(referral({ needs: ['bereavement'] }), directory()).unroutedReason).toBe('no-matching-organisation');
    expect(routeReferral(referral({ practiceOdsCode: 'Z99999' }), directory({ practice: undefined, pcn: undefined })).unroutedReason).toBe('no-link-worker');
  });

  it('records the area it routed on and the PCN', () => {
    const decision = routeReferral(referral({ postcode: 'TS5 7XY' }), directory());
    expect(decision).toMatchObject({ area: 'TS5', pcnOdsCode: 'U81001', linkWorkerId: COVERING });
  });

  it('gives every recipient at most one task', () => {
    const decision = routeReferral(referral({ needs: ['loneliness', 'physical-activity'], preferredOrganisationId: WALKING }), directory());
    expect(new Set(recipients(decision)).size).toBe(decision.tasks.length);
  });
});
