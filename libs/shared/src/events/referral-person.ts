import type { Sealer } from '../crypto/sealing';
import type { EventEnvelope } from './envelope';
import { EventType, ReferralPerson, ReferralReceivedPayload } from './event-types';

/** Bound to its referral: a sealed person copied onto another referral's event does not open. */
const associatedData = (referralId: string) => `${EventType.ReferralReceived}:${referralId}`;

export function sealReferralPerson(sealer: Sealer, referralId: string, person: ReferralPerson): string {
  return sealer.sealJson(person, associatedData(referralId));
}

/** The one way a consumer reads who a referral is about. Throws when this service does not hold the key. */
export function openReferralPerson(sealer: Sealer, envelope: Pick<EventEnvelope<typeof EventType.ReferralReceived>, 'referralId' | 'payload'>): ReferralPerson {
  return sealer.openJson<ReferralPerson>(envelope.payload.sealedPerson, associatedData(envelope.referralId));
}

/** referral.received as its producer holds it, before the person is sealed. */
export type PlainReferralReceived = Omit<ReferralReceivedPayload, 'sealedPerson'> & ReferralPerson;

/** Seals the person out of a plain payload: what intake publishes (and what tests deliver). */
export function sealReceivedPayload(sealer: Sealer, referralId: string, plain: PlainReferralReceived): ReferralReceivedPayload {
  const { patient, referrer, notes, ...facts } = plain;
  return { ...facts, sealedPerson: sealReferralPerson(sealer, referralId, { patient, ...(referrer ? { referrer } : {}), ...(notes ? { notes } : {}) }) };
}
