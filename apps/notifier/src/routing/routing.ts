import type { RoutingTask } from '@app/shared';
import type { LinkWorkerRoutingRules } from '../directory/directory.entities';
import { postcodeDistrict } from '@app/shared';

export interface RoutingReferral {
  practiceOdsCode: string;
  needs: string[];
  /** The patient's postcode; only its district is used. */
  postcode?: string;
  preferredOrganisationId?: string;
}

export interface RoutingLinkWorker {
  id: string;
  active: boolean;
  practiceOdsCodes: string[];
  routingRules: LinkWorkerRoutingRules;
}

export interface RoutingOrganisation {
  id: string;
  name: string;
  acceptingReferrals: boolean;
  /** Each need an active service meets, at each postcode district where it is offered. */
  offers: Array<{ need: string; district: string }>;
}

/** The slice of the directory one referral's routing depends on. */
export interface RoutingDirectory {
  practice?: { odsCode: string; pcnOdsCode: string; postcode: string | null };
  pcn?: { odsCode: string; leadLinkWorkerId: string | null };
  linkWorkers: RoutingLinkWorker[];
  organisations: RoutingOrganisation[];
}

export type UnroutedReason = 'no-link-worker' | 'no-matching-organisation';

export interface RoutingDecision {
  outcome: 'routed' | 'unrouted';
  linkWorkerId?: string;
  pcnOdsCode?: string;
  area?: string;
  tasks: RoutingTask[];
  /**
   * The organisations routing found for the referral. With automatic forwarding they are offered at once
   * (they are also in `tasks`); with link-worker-first they wait for the link worker to confirm them.
   */
  suggestions: RoutingTask[];
  unroutedReason?: UnroutedReason;
}

/** A link worker's rules where their directory entry sets none: the directory fills in the same values on import. */
export const DEFAULT_ROUTING_RULES: Readonly<LinkWorkerRoutingRules> = Object.freeze({ forwardToOrganisations: 'automatic', maxOrganisations: 3, excludedNeeds: [] });

/**
 * Who gets a task for a referral. The link worker covering the practice (else the PCN lead) always does;
 * organisations the GP named or that meet the referral's needs in its area do too, within the link
 * worker's rules. When no organisation can take it, the PCN lead gets a task and the referral is unrouted.
 */
export function routeReferral(referral: RoutingReferral, directory: RoutingDirectory): RoutingDecision {
  const pcnOdsCode = directory.practice?.pcnOdsCode;
  const active = directory.linkWorkers.filter((worker) => worker.active);
  const covering = active
    .filter((worker) => worker.practiceOdsCodes.includes(referral.practiceOdsCode))
    .sort((a, b) => a.id.localeCompare(b.id))[0];
  const lead = directory.pcn?.leadLinkWorkerId ? active.find((worker) => worker.id === directory.pcn?.leadLinkWorkerId) : undefined;
  const responsible = covering ?? lead;
  const area = postcodeDistrict(referral.postcode) ?? postcodeDistrict(directory.practice?.postcode);

  if (!responsible) {
    return { outcome: 'unrouted', pcnOdsCode, area, tasks: [], suggestions: [], unroutedReason: 'no-link-worker' };
  }

  const tasks: RoutingTask[] = [
    { recipientType: 'link-worker', recipientId: responsible.id, reason: covering ? 'covers-practice' : 'pcn-lead' },
  ];
  const rules = { ...DEFAULT_ROUTING_RULES, ...responsible.routingRules };
  const base = { linkWorkerId: responsible.id, pcnOdsCode, area };

  const forwardable = referral.needs.filter((need) => !rules.excludedNeeds.includes(need));
  const accepting = directory.organisations.filter((organisation) => organisation.acceptingReferrals);
  const named = referral.preferredOrganisationId ? accepting.find((organisation) => organisation.id === referral.preferredOrganisationId) : undefined;
  const limit = rules.maxOrganisations > 0 ? rules.maxOrganisations : DEFAULT_ROUTING_RULES.maxOrganisations;
  const suggestions: RoutingTask[] = [];
  if (named) {
    const meets = forwardable.filter((need) => named.offers.some((offer) => offer.need === need));
    suggestions.push({ recipientType: 'organisation', recipientId: named.id, reason: 'named-by-gp', needs: meets.length > 0 ? meets : forwardable });
  }

  const matched = accepting
    .filter((organisation) => organisation !== named)
    .map((organisation) => ({
      organisation,
      needsMet: new Set(
        organisation.offers.filter((offer) => offer.district === area && forwardable.includes(offer.need)).map((offer) => offer.need),
      ),
    }))
    .filter((candidate) => candidate.needsMet.size > 0)
    .sort((a, b) => b.needsMet.size - a.needsMet.size || a.organisation.name.localeCompare(b.organisation.name) || a.organisation.id.localeCompare(b.organisation.id))
    .slice(0, Math.max(0, limit - (named ? 1 : 0)));
  for (const { organisation, needsMet } of matched) {
    const needs = [...needsMet].sort();
    suggestions.push({ recipientType: 'organisation', recipientId: organisation.id, reason: `meets ${needs.join(', ')} in ${area}`, needs });
  }

  if (rules.forwardToOrganisations === 'link-worker-first' || rules.maxOrganisations === 0) {
    return { outcome: 'routed', ...base, tasks, suggestions };
  }
  tasks.push(...suggestions);

  const organisationTasks = tasks.length - 1;
  if (organisationTasks > 0 || forwardable.length === 0) {
    return { outcome: 'routed', ...base, tasks, suggestions };
  }
  if (lead && lead.id !== responsible.id) {
    tasks.push({ recipientType: 'link-worker', recipientId: lead.id, reason: 'unrouted-pcn-lead' });
  }
  return { outcome: 'unrouted', ...base, tasks, suggestions, unroutedReason: 'no-matching-organisation' };
}
