/** Decline reasons seen in real referral systems; "other" needs a few words of explanation. */
export const DECLINE_REASONS = [
  { code: 'no-capacity', label: 'No capacity at the moment' },
  { code: 'not-eligible', label: 'Not eligible for our service' },
  { code: 'could-not-contact', label: 'Could not contact the person' },
  { code: 'no-longer-interested', label: 'The person is no longer interested' },
  { code: 'referred-elsewhere', label: 'Referred elsewhere' },
  { code: 'other', label: 'Other (please say why)' },
] as const;
