import { Offer, offersMadeRedundant, planHandOff } from './offers';

const offer = (id: string, status: Offer['status'], needs: string[], recipientType: Offer['recipientType'] = 'organisation'): Offer => ({
  id,
  recipientType,
  recipientId: `org-${id}`,
  status,
  needs,
});

describe('offersMadeRedundant', () => {
  it('withdraws the other open offers for the need an organisation accepted', () => {
    const offers = [offer('a', 'accepted', ['loneliness']), offer('b', 'open', ['loneliness']), offer('c', 'open', ['loneliness'])];
    expect(offersMadeRedundant(offers, ['loneliness']).map((o) => o.id)).toEqual(['b', 'c']);
  });

  it('keeps an offer open for a need nobody has taken on', () => {
    const offers = [offer('a', 'accepted', ['loneliness']), offer('b', 'open', ['money-debt-benefits']), offer('c', 'open', ['loneliness', 'money-debt-benefits'])];
    expect(offersMadeRedundant(offers, ['loneliness', 'money-debt-benefits'])).toEqual([]);
  });

  it('withdraws an offer once all of its needs are met by accepting organisations', () => {
    const offers = [offer('a', 'accepted', ['loneliness']), offer('b', 'accepted', ['money-debt-benefits']), offer('c', 'open', ['loneliness', 'money-debt-benefits'])];
    expect(offersMadeRedundant(offers, ['loneliness', 'money-debt-benefits']).map((o) => o.id)).toEqual(['c']);
  });

  it('treats offers without recorded needs as offers for every need of the referral', () => {
    const offers = [offer('a', 'accepted', []), offer('b', 'open', [])];
    expect(offersMadeRedundant(offers, ['loneliness']).map((o) => o.id)).toEqual(['b']);
  });

  it('never touches the link worker, decided offers, or anything before an organisation accepts', () => {
    const offers = [offer('lw', 'accepted', ['loneliness'], 'link-worker'), offer('b', 'open', ['loneliness']), offer('c', 'declined', ['loneliness'])];
    expect(offersMadeRedundant(offers, ['loneliness'])).toEqual([]);
    const withAcceptance = [...offers, offer('d', 'accepted', ['loneliness'])];
    expect(offersMadeRedundant(withAcceptance, ['loneliness']).map((o) => o.id)).toEqual(['b']);
  });
});

describe('planHandOff', () => {
  const offers = [offer('a', 'open', ['loneliness']), offer('b', 'declined', ['loneliness']), offer('c', 'accepted', ['loneliness']), offer('lw', 'open', [], 'link-worker')];

  it('offers ticked organisations never offered it, not one that declined before', () => {
    expect(planHandOff(offers, ['org-a', 'org-b', 'org-new'])).toEqual({ offer: ['org-new'], withdraw: [] });
  });

  it('withdraws open offers that were unticked, never an accepted one', () => {
    expect(planHandOff(offers, [])).toEqual({ offer: [], withdraw: [offers[0]] });
  });

  it('changes nothing when the form matches the offers', () => {
    expect(planHandOff(offers, ['org-a'])).toEqual({ offer: [], withdraw: [] });
  });
});
