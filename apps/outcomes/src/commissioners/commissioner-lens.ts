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
 * A lens for the rows of one answer in which referrals repeat (a feed page holds each referral's events):
 * each referral's reference and each person's pseudonym is computed once, not per row (an HMAC, and for the
 * pseudonym a decryption too). Each value is kept under what it is a pure function of, the referral id and
 * the sealed NHS number, so answers are exactly the lens's. Lives as long as one answer, so it holds at
 * most one entry per row of it.
 */
export class RepeatingSubjects {
  private readonly referralRefs = new Map<string, string>();
  private readonly pseudonyms = new Map<string, string | null>();

  constructor(private readonly lens: CommissionerLens) {}

  referralRef(referralId: string): string {
    let reference = this.referralRefs.get(referralId);
    if (reference === undefined) this.referralRefs.set(referralId, (reference = this.lens.referralRef(referralId)));
    return reference;
  }

  pseudonym(sealedNhsNumber: string | null): string | null {
    if (!sealedNhsNumber) return null;
    let pseudonym = this.pseudonyms.get(sealedNhsNumber);
    if (pseudonym === undefined) this.pseudonyms.set(sealedNhsNumber, (pseudonym = this.lens.pseudonym(sealedNhsNumber)));
    return pseudonym;
  }
}

/** The stored, non-identifying facts about a referral's person and place that every view is built from. */
export interface SubjectColumns {
  referral_id: string;
  nhs_number_sealed: string | null;
  age_band: string | null;
  sex: string | null;
  postcode_district: string | null;
  practice_ods_code: string | null;
  pcn_ods_code: string | null;
  sub_icb_code: string | null;
  icb_code: string | null;
  needs: string[];
  urgency: string | null;
}

/**
 * Who and where, as one commissioner may see it: their own pseudonym and referral reference, age band,
 * sex, district and organisation codes. LSOA stays empty until a postcode→LSOA lookup is loaded.
 */
export function pseudonymisedSubject(lens: Pick<CommissionerLens, 'referralRef' | 'pseudonym'>, row: SubjectColumns) {
  return {
    referralRef: lens.referralRef(row.referral_id),
    pseudonym: lens.pseudonym(row.nhs_number_sealed),
    ageBand: row.age_band,
    sex: row.sex,
    postcodeDistrict: row.postcode_district,
    lsoa: null,
    practice: row.practice_ods_code,
    pcn: row.pcn_ods_code,
    subIcb: row.sub_icb_code,
    icb: row.icb_code,
    needs: row.needs,
    urgency: row.urgency,
  };
}
