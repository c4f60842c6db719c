import type { PreferredContactMethod, ReferralPerson } from '@app/shared';

/** What the link worker needs to make the first call. Kept sealed at rest; never logged, never in an event. */
export interface PersonDetails {
  nhsNumber: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  postcode?: string;
  phone?: string;
  email?: string;
  preferredContactMethod?: PreferredContactMethod;
  notes?: string;
  referrer?: { name?: string; professionalRole?: string };
}

export function personDetailsFrom(referral: ReferralPerson): PersonDetails {
  const { patient } = referral;
  return {
    nhsNumber: patient.nhsNumber,
    givenName: patient.givenName,
    familyName: patient.familyName,
    dateOfBirth: patient.dateOfBirth,
    ...(patient.postcode ? { postcode: patient.postcode } : {}),
    ...(patient.phone ? { phone: patient.phone } : {}),
    ...(patient.email ? { email: patient.email } : {}),
    ...(patient.preferredContactMethod ? { preferredContactMethod: patient.preferredContactMethod } : {}),
    ...(referral.notes ? { notes: referral.notes } : {}),
    ...(referral.referrer && (referral.referrer.name || referral.referrer.professionalRole) ? { referrer: referral.referrer } : {}),
  };
}

/** NHS numbers are read and written as 3-3-4 ("943 476 5919"). */
export function formatNhsNumber(nhsNumber: string): string {
  const digits = nhsNumber.replace(/\D/g, '');
  return digits.length === 10 ? `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}` : nhsNumber;
}

/** UK numbers as people read them: "07700 900123", "020 7946 0018", "01642 496000"; others as given. */
export function formatPhone(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '');
  const national = digits.startsWith('+44') ? `0${digits.slice(3)}` : digits;
  if (!/^0\d{10}$/.test(national)) return phone;
  if (national.startsWith('02')) return `${national.slice(0, 3)} ${national.slice(3, 7)} ${national.slice(7)}`;
  return `${national.slice(0, 5)} ${national.slice(5)}`;
}

const LONG_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** "11 February 1948 (aged 78)"; the age on `today`. */
export function dateOfBirthText(dateOfBirth: string, today: Date = new Date()): string {
  const born = new Date(`${dateOfBirth}T00:00:00Z`);
  if (Number.isNaN(born.getTime())) return dateOfBirth;
  let age = today.getUTCFullYear() - born.getUTCFullYear();
  const birthdayPassed = today.getUTCMonth() > born.getUTCMonth() || (today.getUTCMonth() === born.getUTCMonth() && today.getUTCDate() >= born.getUTCDate());
  if (!birthdayPassed) age -= 1;
  return `${LONG_DATE.format(born)} (aged ${age})`;
}

export const CONTACT_METHOD_LABELS: Record<PreferredContactMethod, string> = { phone: 'Phone call', text: 'Text message', email: 'Email' };

export interface AgreedContact {
  name: string;
  method: string;
  /** The one number or address for that method; absent when the GP did not give it. */
  value?: string;
}

/**
 * The minimum an accepting organisation needs to make contact: the person's name and the agreed way to reach
 * them (their preferred method with its one detail; phone when they stated none). Never the NHS number,
 * date of birth or the GP's notes.
 */
export function agreedContact(details: PersonDetails): AgreedContact {
  const name = `${details.givenName} ${details.familyName}`;
  const preferred = details.preferredContactMethod;
  const method: PreferredContactMethod = preferred ?? (details.phone ? 'phone' : details.email ? 'email' : 'phone');
  const value = method === 'email' ? details.email : details.phone ? formatPhone(details.phone) : undefined;
  return { name, method: CONTACT_METHOD_LABELS[method], ...(value ? { value } : {}) };
}
