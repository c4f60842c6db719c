import { Sealer } from '@app/shared';
import type { PersonDetails } from './person-details';

/**
 * Seals the person's details for storage with the shared sealing (AES-256-GCM with a key id), the
 * referral id as associated data so a sealed row copied onto another referral does not open. Rows sealed
 * before the shared sealing ("v1." layout) still open.
 */
export class PersonDetailsVault {
  private readonly sealer: Sealer;

  constructor(base64Key: string) {
    if (Buffer.from(base64Key, 'base64').length !== 32) throw new Error('The person details key must be 32 bytes');
    this.sealer = new Sealer(base64Key);
  }

  seal(referralId: string, details: PersonDetails): string {
    return this.sealer.sealJson(details, referralId);
  }

  open(referralId: string, sealed: string): PersonDetails {
    return this.sealer.openJson<PersonDetails>(sealed, referralId);
  }
}
