/**
 * The reasons every service names when an offer is declined or a referral is closed, as codes with the
 * labels people see. One list: the notifier's forms offer them, outcomes validates recorded closures
 * against them, and the feeds and research extract carry the codes.
 */

/** Why an organisation or link worker declines an offer; "other" needs a few words of explanation. */
export const DECLINE_REASONS = [
  { code: 'no-capacity', label: 'No capacity at the moment' },
  { code: 'not-eligible', label: 'Not eligible for our service' },
  { code: 'could-not-contact', label: 'Could not contact the person' },
  { code: 'no-longer-interested', label: 'The person is no longer interested' },
  { code: 'referred-elsewhere', label: 'Referred elsewhere' },
  { code: 'other', label: 'Other (please say why)' },
] as const;

/**
 * Why a referral was closed, as link workers record it in their case systems. A referral is closed either
 * after completion (reason optional) or with one of these reasons.
 */
export const CLOSE_REASON_OPTIONS = [
  { code: 'completed', label: 'Support completed' },
  { code: 'no-capacity', label: 'No capacity' },
  { code: 'not-eligible', label: 'Not eligible' },
  { code: 'could-not-contact', label: 'Could not contact' },
  { code: 'no-longer-interested', label: 'No longer interested' },
  { code: 'referred-elsewhere', label: 'Referred elsewhere' },
  { code: 'other', label: 'Other' },
] as const;

export const CLOSE_REASONS: readonly string[] = CLOSE_REASON_OPTIONS.map((reason) => reason.code);

export const CLOSE_REASON_LABELS: Readonly<Record<string, string>> = Object.fromEntries(CLOSE_REASON_OPTIONS.map((reason) => [reason.code, reason.label]));
