import { type RoutingTask, needsText } from '@app/shared';
import type { FieldError, Parsed } from './forms';
import type { Task } from './task.entity';

export interface DirectoryOrganisation {
  id: string;
  name: string;
  needs: string[];
  districts: string[];
}

export interface HandOffChoice {
  id: string;
  name: string;
  /** The referral's needs this organisation meets (what it would be offered the referral for). */
  needs: string[];
  hint: string;
  suggested: boolean;
  state: Task['status'] | 'not-offered';
  checked: boolean;
  /** Accepted, declined or withdrawn offers are shown, but cannot be changed from the form. */
  fixed: boolean;
}

const STATE_TEXT: Record<HandOffChoice['state'], string> = {
  open: 'Offered, waiting for an answer',
  accepted: 'Accepted',
  declined: 'Declined',
  withdrawn: 'Offer withdrawn',
  'not-offered': '',
};

/**
 * The organisations a link worker can hand a referral to: routing's suggestions first (for the needs
 * routing matched, in the referral's area), then every other organisation in the directory meeting one of
 * the referral's needs. Each says where it works and what it would be offered for; those that already
 * answered are shown as they stand.
 */
export function handOffChoices(referral: { needs: string[]; area: string | null }, tasks: Task[], suggestions: RoutingTask[], directory: DirectoryOrganisation[]): HandOffChoice[] {
  const offers = new Map(tasks.filter((task) => task.recipientType === 'organisation').map((task) => [task.recipientId, task]));
  const suggested = new Map(suggestions.filter((task) => task.recipientType === 'organisation').map((task) => [task.recipientId, task]));
  const choices = directory
    .map((organisation): HandOffChoice => {
      const needs = organisation.needs.filter((need) => referral.needs.includes(need));
      const offer = offers.get(organisation.id);
      const suggestion = suggested.get(organisation.id);
      const state = offer?.status ?? 'not-offered';
      const where = organisation.districts.length > 0 ? `works in ${organisation.districts.join(', ')}` : 'no locations listed';
      const hint = [
        `Meets: ${needsText(needs)}`,
        where,
        ...(suggestion ? ['suggested by routing'] : []),
        ...(STATE_TEXT[state] ? [STATE_TEXT[state].toLowerCase()] : []),
      ].join('; ');
      return {
        id: organisation.id,
        name: organisation.name,
        needs: offer?.needs.length ? offer.needs : (suggestion?.needs ?? needs),
        hint,
        suggested: !!suggestion,
        state,
        checked: state === 'open' || state === 'accepted' || (state === 'not-offered' && !!suggestion && offers.size === 0),
        fixed: state === 'accepted' || state === 'declined' || state === 'withdrawn',
      };
    })
    .filter((choice) => choice.needs.length > 0);
  return choices.sort((a, b) => Number(b.suggested) - Number(a.suggested) || Number(b.state !== 'not-offered') - Number(a.state !== 'not-offered') || a.name.localeCompare(b.name));
}

/**
 * The hand-off form: the organisations ticked (field `organisations`, one value per box). Each must be one
 * of the choices offered; ticking none is how every open offer is taken back, so it is refused only when
 * there is nothing to take back.
 */
export function parseHandOffForm(body: Record<string, unknown>, choices: HandOffChoice[]): Parsed<Array<{ organisationId: string; needs: string[] }>> {
  const raw = body.organisations;
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const errors: FieldError[] = [];
  const firstField = choices.find((choice) => !choice.fixed)?.id;
  const field = firstField ? `organisation-${firstField}` : 'organisations';
  if (values.some((value) => typeof value !== 'string' || !choices.some((choice) => choice.id === value && !choice.fixed))) {
    errors.push({ field, message: 'Select organisations from the list' });
  }
  const chosen = choices.filter((choice) => !choice.fixed && values.includes(choice.id));
  if (errors.length === 0 && chosen.length === 0 && !choices.some((choice) => choice.state === 'open')) {
    errors.push({ field, message: 'Select at least one organisation to offer this referral to' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: chosen.map((choice) => ({ organisationId: choice.id, needs: choice.needs })) };
}
