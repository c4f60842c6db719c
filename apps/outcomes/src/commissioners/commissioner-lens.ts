import { DEV_PSEUDONYM_MASTER_KEY } from '../environment';
import { Secrets, decrypt, encrypt, pseudonymOf, referenceOf } from '../privacy/secrets';
import { Commissioner } from './commissioner';

/**
 * Everything one commissioner sees of our identifiers, under keys of their own: a person's pseudonym,
 * references to referrals and events, and feed cursors. Two commissioners' views cannot be joined.
 */
export class CommissionerLens {
  private readonly pseudonymKey: Buffer;
  private readonly referenceKey: Buffer;
  private readonly cursorKey: Buffer;

  constructor(
    private readonly secrets: Secrets,
    readonly commissioner: Commissioner,
  ) {
    this.pseudonymKey = secrets.pseudonymKey(commissioner.pseudonymSalt);
    this.referenceKey = secrets.referenceKey(commissioner.pseudonymSalt);
    this.cursorKey = secrets.cursorKey(commissioner.pseudonymSalt);
  }

  pseudonym(sealedNhsNumber: string | null): string | null {
    return sealedNhsNumber ? pseudonymOf(this.pseudonymKey, this.secrets.decryptNhsNumber(sealedNhsNumber)) : null;
  }

  pseudonymOfNhsNumber(nhsNumber: string): string {
    return pseudonymOf(this.pseudonymKey, nhsNumber);
  }

  referralRef(referralId: string): string {
    return referenceOf(this.referenceKey, `referral:${referralId}`);
  }

  eventRef(eventId: string): string {
    return referenceOf(this.referenceKey, `event:${eventId}`);
  }

  /** Cursors are sealed, so they are opaque, tamper-evident and useless to another commissioner. */
  sealCursor(position: number): string {
    return encrypt(this.cursorKey, JSON.stringify({ v: 1, p: position }));
  }

  openCursor(cursor: string): number | null {
    try {
      const parsed = JSON.parse(decrypt(this.cursorKey, cursor));
      return parsed?.v === 1 && Number.isSafeInteger(parsed.p) && parsed.p >= 0 ? parsed.p : null;
    } catch {
      return null;
    }
  }
}

/**
 * A commissioner's view for scripts and tests: e.g. lens.referralRef(referralId) finds a known referral's
 * rows in that commissioner's feed. Pass the service's PSEUDONYM_MASTER_KEY when it is not the default.
 */
export function commissionerLens(commissioner: Commissioner, masterKey: string = DEV_PSEUDONYM_MASTER_KEY): CommissionerLens {
  return new CommissionerLens(new Secrets(masterKey), commissioner);
}
