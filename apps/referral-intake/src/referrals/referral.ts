import type { ReferralPerson, ReferralStatusValue, ReferralUrgency } from '@app/shared';
import type { ReferralFormat } from './fhir/fhir-referral';

/** The shared referral lifecycle's status, as intake last folded it from the referral's history. */
export type ReferralStatus = ReferralStatusValue;

/** A referral as received from a GP system. Identifiable: only intake and its sender read it back. Stored by ReferralStore. */
export interface Referral {
  id: string;
  status: ReferralStatus;
  statusReason: string | null;
  statusChangedAt: Date;
  senderId: string | null;
  senderReferralId: string | null;
  requestHash: string | null;
  format: ReferralFormat;
  /** The FHIR resource exactly as the sender posted it. */
  originalPayload: unknown;
  practiceOdsCode: string;
  needs: string[];
  urgency: ReferralUrgency;
  consentToShare: boolean;
  consentRecordedAt: Date | null;
  /** Erased (null) once the person withdraws consent. */
  patient: ReferralPerson['patient'] | null;
  referrer: ReferralPerson['referrer'] | null;
  preferredOrganisationId: string | null;
  notes: string | null;
  /** When its sender cancelled it, and why (a reason code). */
  cancelledAt: Date | null;
  cancelReason: string | null;
  /** When the person's consent was withdrawn: their details were erased then. */
  consentWithdrawnAt: Date | null;
  correlationId: string;
  receivedAt: Date;
  updatedAt: Date;
}
