import type { TaskStatus } from './task.entity';

/** One recipient's task as the offer rules see it. */
export interface Offer {
  id: string;
  recipientType: 'link-worker' | 'organisation';
  recipientId: string;
  status: TaskStatus;
  /** The needs this offer was made for; empty on offers made before needs were recorded: they cover every need. */
  needs: string[];
}

/**
 * The open organisation offers an acceptance makes unnecessary: every need an offer was made for is now met
 * by an organisation that accepted. An offer for a need nobody has taken on stays open.
 */
export function offersMadeRedundant(offers: readonly Offer[], referralNeeds: readonly string[]): Offer[] {
  const accepted = offers.filter((offer) => offer.recipientType === 'organisation' && offer.status === 'accepted');
  if (accepted.length === 0) return [];
  const met = new Set(accepted.flatMap((offer) => (offer.needs.length > 0 ? offer.needs : referralNeeds)));
  return offers.filter(
    (offer) =>
      offer.recipientType === 'organisation' &&
      offer.status === 'open' &&
      (offer.needs.length > 0 ? offer.needs : referralNeeds).every((need) => met.has(need)),
  );
}

export interface HandOffPlan {
  /** Organisations to offer the referral to: ticked, and never offered it before. */
  offer: string[];
  /** Open offers the link worker took back. */
  withdraw: Offer[];
}

/**
 * What the link worker's hand-off form means: the organisations ticked are the ones that should hold an offer.
 * Ticked and never offered → offer; holding an open offer and not ticked → withdraw. An organisation that
 * accepted keeps the referral, and one that declined or had its offer withdrawn is not asked again (its old
 * link would come back to life): the form shows them without a choice.
 */
export function planHandOff(offers: readonly Offer[], chosenOrganisationIds: readonly string[]): HandOffPlan {
  const organisationOffers = offers.filter((offer) => offer.recipientType === 'organisation');
  const offered = new Set(organisationOffers.map((offer) => offer.recipientId));
  const chosen = new Set(chosenOrganisationIds);
  return {
    offer: [...chosen].filter((id) => !offered.has(id)),
    withdraw: organisationOffers.filter((offer) => offer.status === 'open' && !chosen.has(offer.recipientId)),
  };
}
