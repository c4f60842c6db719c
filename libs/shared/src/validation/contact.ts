import { isEmail } from 'class-validator';

/** Strips the spaces, dots, dashes and brackets people write phone numbers with. */
export function normaliseUkPhone(value: string): string {
  return value.trim().replace(/[\s().-]/g, '');
}

/** A UK number in national (0...) or international (+44...) form: ten digits after the leading 0. */
export function isUkPhoneNumber(value: string): boolean {
  return /^(?:0|\+44)[1-9]\d{9}$/.test(normaliseUkPhone(value));
}

/** A UK phone number whose national number is a mobile one (07...). */
export function isUkMobileNumber(value: string): boolean {
  return isUkPhoneNumber(value) && nationalDigits(value).startsWith('7');
}

function nationalDigits(value: string): string {
  return normaliseUkPhone(value).replace(/^(?:\+44|0)/, '');
}

/** An address mail can be sent to: no display name, a real top-level domain, no IP literal, at most 254 characters. */
export function isWellFormedEmail(value: string): boolean {
  return value.length <= 254 && isEmail(value, { allow_display_name: false, require_tld: true, allow_ip_domain: false });
}
