import { EventType } from '../events/event-types';

/**
 * The referral lifecycle, the one every service applies: intake to tell the GP system, the notifier to
 * show the workspace, outcomes to count and to refuse records. The status is a pure function of the
 * referral's history, so two services holding the same events report the same status whatever order
 * the events reached them in (see `inLifecycleOrder`).
 *
 * received → routed | unrouted → accepted | declined → contacted → in-progress → completed → closed,
 * with cancelled (by the GP system, before completion) and consent-withdrawn as ends of their own.
 * Several recipients may be offered one referral (the link worker and organisations): the referral is
 * declined only when no offer is left open or accepted, one acceptance makes it accepted, and a
 * decline after another recipient accepted changes nothing about its status.
 */
export const ReferralStatus = {
  Received: 'received',
  Routed: 'routed',
  Unrouted: 'unrouted',
  Accepted: 'accepted',
  Declined: 'declined',
  Contacted: 'contacted',
  InProgress: 'in-progress',
  Completed: 'completed',
  Closed: 'closed',
  Cancelled: 'cancelled',
  ConsentWithdrawn: 'consent-withdrawn',
} as const;

export type ReferralStatusValue = (typeof ReferralStatus)[keyof typeof ReferralStatus];

/** Someone a referral can be offered to, and who may then decide and record. */
export interface Recipient {
  kind: 'link-worker' | 'organisation';
  id: string;
}

/**
 * Who caused an event: the GP system that sent the referral, the notifier's routing, a link worker or
 * an organisation, or the system itself (notifications are facts about delivery, not decisions).
 */
export type Actor = { kind: 'sender' } | { kind: 'routing' } | { kind: 'system' } | Recipient;


/** One event of a referral's history, reduced to what the lifecycle needs. */
export interface LifecycleEvent {
  id: string;
  type: string;
  occurredAt: Date;
  actor: Actor;
  /** A decline's, closure's or cancellation's reason code. */
  reason?: string;
  /** referral.routed / referral.unrouted: the referral's link worker. */
  linkWorkerId?: string;
  /** referral.routed, referral.offered, referral.offer-withdrawn: the recipients concerned. */
  recipients?: Recipient[];
}

export type OfferState = 'open' | 'accepted' | 'declined' | 'withdrawn';

export interface Offer {
  recipient: Recipient;
  state: OfferState;
  reason?: string;
}

/** Where a referral stands: its status, its link worker and every offer made. */
export interface LifecycleState {
  status: ReferralStatusValue | null;
  /** The reason given with the change to the current status (a decline, closure or cancellation). */
  statusReason: string | null;
  linkWorkerId: string | null;
  offers: Offer[];
}

export const INITIAL_LIFECYCLE: LifecycleState = { status: null, statusReason: null, linkWorkerId: null, offers: [] };

/**
 * Why an event was refused: it cannot happen in the referral's current status ('not-now', a 409 to a
 * caller), or this actor may not cause it ('not-permitted', a 403).
 */
export type Refusal = 'not-now' | 'not-permitted';

export type LifecycleStep = { allowed: true; state: LifecycleState; changed: boolean } | { allowed: false; refusal: Refusal; reason: string };

const { Received, Routed, Unrouted, Accepted, Declined, Contacted, InProgress, Completed, Closed, Cancelled, ConsentWithdrawn } = ReferralStatus;

const LIVE = [Received, Routed, Unrouted, Accepted, Declined, Contacted, InProgress, Completed] as const;
const ENDED = [Closed, Cancelled, ConsentWithdrawn] as const;
const SUPPORTED = [Accepted, Contacted, InProgress, Completed] as const;

/** Who may cause an event: the sender, routing, any recipient holding an offer, or a recorder. */
type Who = 'sender' | 'routing' | 'system' | 'offer-holder' | 'recorder' | 'sender-or-recorder' | 'routing-or-recorder';

interface Rule {
  who: Who;
  /** Status → what it becomes; 'unchanged' records the fact without moving the status. Absent: refused. */
  from: Partial<Record<ReferralStatusValue | 'none', ReferralStatusValue | 'unchanged'>>;
  /** Closing an unfinished referral, cancelling: a reason code is required. */
  needsReason?: (from: ReferralStatusValue | null) => boolean;
}

function each(statuses: readonly (ReferralStatusValue | 'none')[], to: ReferralStatusValue | 'unchanged'): Rule['from'] {
  return Object.fromEntries(statuses.map((status) => [status, to]));
}

const notification: Rule = { who: 'system', from: each([...LIVE, Cancelled, ConsentWithdrawn], 'unchanged') };
const attended: Rule = { who: 'recorder', from: each([Contacted, InProgress], InProgress) };

/** The table: for each event, who may cause it and what it does from each status. */
const RULES: Record<string, Rule> = {
  [EventType.ReferralReceived]: { who: 'sender', from: { none: Received } },
  [EventType.ReferralRouted]: { who: 'routing', from: each([Received, Unrouted], Routed) },
  [EventType.ReferralUnrouted]: { who: 'routing', from: { [Received]: Unrouted } },
  [EventType.NotificationSent]: notification,
  [EventType.NotificationDelivered]: notification,
  [EventType.NotificationFailed]: notification,
  [EventType.ReferralAccepted]: { who: 'offer-holder', from: { ...each([Routed, Unrouted, Declined], Accepted), ...each([Accepted, Contacted, InProgress], 'unchanged') } },
  // Routed/unrouted/declined become declined only when no offer is left open or accepted (see `afterDecision`).
  [EventType.ReferralDeclined]: { who: 'offer-holder', from: { ...each([Routed, Unrouted, Declined], Declined), ...each([...SUPPORTED, ...ENDED], 'unchanged') } },
  [EventType.ReferralContacted]: { who: 'recorder', from: { [Accepted]: Contacted, ...each([Contacted, InProgress], 'unchanged') } },
  [EventType.SessionAttended]: attended,
  [EventType.SessionMissed]: attended,
  [EventType.ReferralCompleted]: { who: 'recorder', from: each([Contacted, InProgress], Completed) },
  [EventType.ReferralClosed]: { who: 'recorder', from: each(LIVE, Closed), needsReason: (from) => from !== Completed },
  [EventType.MeasureRecorded]: { who: 'recorder', from: each(SUPPORTED, 'unchanged') },
  [EventType.ReferralCancelled]: { who: 'sender', from: each([Received, Routed, Unrouted, Accepted, Declined, Contacted, InProgress], Cancelled), needsReason: () => true },
  [EventType.ReferralConsentWithdrawn]: { who: 'sender-or-recorder', from: { ...each(LIVE, ConsentWithdrawn), ...each(ENDED, 'unchanged') } },
  [EventType.ReferralOffered]: { who: 'routing-or-recorder', from: each([Routed, Unrouted, Declined, ...SUPPORTED], 'unchanged') },
  [EventType.ReferralOfferWithdrawn]: { who: 'routing-or-recorder', from: { ...each([Routed, Unrouted, Declined], Declined), ...each([...SUPPORTED, ...ENDED], 'unchanged') } },
};

function same(a: Recipient, b: Recipient): boolean {
  return a.kind === b.kind && a.id === b.id;
}

function isRecipient(actor: Actor): actor is Recipient {
  return actor.kind === 'link-worker' || actor.kind === 'organisation';
}

/** Who may record contact, sessions, completion, closure and measures: the link worker and every organisation that accepted. */
export function mayRecord(state: LifecycleState, actor: Actor): boolean {
  if (actor.kind === 'link-worker') return state.linkWorkerId === actor.id;
  if (actor.kind === 'organisation') return state.offers.some((offer) => offer.state === 'accepted' && same(offer.recipient, actor));
  return false;
}

/** Recorders as "kind:id" keys, for storage and display. */
export function recordersOf(state: LifecycleState): string[] {
  const keys = state.linkWorkerId ? [`link-worker:${state.linkWorkerId}`] : [];
  for (const offer of state.offers) {
    if (offer.state === 'accepted' && offer.recipient.kind === 'organisation') keys.push(`organisation:${offer.recipient.id}`);
  }
  return keys;
}

export function offerTo(state: LifecycleState, recipient: Recipient): Offer | undefined {
  return state.offers.find((offer) => same(offer.recipient, recipient));
}

function addOffers(offers: Offer[], recipients: Recipient[]): Offer[] {
  const added = recipients.filter((recipient) => !offers.some((offer) => same(offer.recipient, recipient)));
  return [...offers, ...added.map((recipient) => ({ recipient, state: 'open' as const }))];
}

function setOffer(offers: Offer[], recipient: Recipient, state: OfferState, reason?: string): Offer[] {
  return offers.map((offer) => (same(offer.recipient, recipient) ? { recipient: offer.recipient, state, ...(reason ? { reason } : {}) } : offer));
}

function describe(status: ReferralStatusValue | null): string {
  return status ?? 'nothing (the referral was never received)';
}

function actorName(actor: Actor): string {
  return isRecipient(actor) ? `${actor.kind} ${actor.id}` : `the ${actor.kind}`;
}

function permitted(who: Who, state: LifecycleState, actor: Actor): string | undefined {
  const refuse = `${actorName(actor)} may not cause it`;
  switch (who) {
    case 'sender':
    case 'routing':
    case 'system':
      return actor.kind === who ? undefined : refuse;
    case 'recorder':
      return mayRecord(state, actor) ? undefined : `${actorName(actor)} neither accepted the referral nor is its link worker`;
    case 'sender-or-recorder':
      return actor.kind === 'sender' || mayRecord(state, actor) ? undefined : refuse;
    case 'routing-or-recorder':
      return actor.kind === 'routing' || mayRecord(state, actor) ? undefined : refuse;
    case 'offer-holder':
      if (!isRecipient(actor)) return refuse;
      return offerTo(state, actor) ? undefined : `${actorName(actor)} was not offered the referral`;
  }
}

/**
 * What a decision does to the offers, and whether the status moves. An accept needs an open offer; a
 * repeated decision changes nothing; a decline moves the status only once no offer is open or accepted.
 */
function afterDecision(state: LifecycleState, event: LifecycleEvent, to: ReferralStatusValue | 'unchanged'): LifecycleStep {
  const actor = event.actor as Recipient;
  const offer = offerTo(state, actor)!;
  const accepting = event.type === EventType.ReferralAccepted;
  const decided: OfferState = accepting ? 'accepted' : 'declined';
  if (offer.state === decided) return { allowed: true, state, changed: false };
  if (offer.state === 'withdrawn') {
    if (accepting) return { allowed: false, refusal: 'not-now', reason: `the offer to ${actorName(actor)} was withdrawn` };
    return { allowed: true, state, changed: false };
  }
  if (offer.state !== 'open') return { allowed: false, refusal: 'not-now', reason: `${actorName(actor)} already ${offer.state} the referral` };
  const offers = setOffer(state.offers, actor, decided, event.reason);
  return settle({ ...state, offers }, to, event.reason);
}

/** Moves to `to`, except that "declined" waits until every offer is declined or withdrawn. */
function settle(state: LifecycleState, to: ReferralStatusValue | 'unchanged', reason: string | undefined): LifecycleStep {
  if (to === 'unchanged' || to === state.status) return { allowed: true, state, changed: false };
  if (to === Declined && state.offers.some((offer) => offer.state === 'open' || offer.state === 'accepted')) {
    return { allowed: true, state, changed: false };
  }
  return { allowed: true, state: { ...state, status: to, statusReason: reason ?? null }, changed: true };
}

/** The state after one event, or why the event cannot happen now. Pure. */
export function applyLifecycleEvent(state: LifecycleState, event: LifecycleEvent): LifecycleStep {
  const rule = RULES[event.type];
  if (!rule) return { allowed: false, refusal: 'not-now', reason: `unknown event type ${event.type}` };
  const to = rule.from[state.status ?? 'none'];
  if (!to) return { allowed: false, refusal: 'not-now', reason: `${event.type} cannot follow ${describe(state.status)}` };
  const refusal = permitted(rule.who, state, event.actor);
  if (refusal) return { allowed: false, refusal: 'not-permitted', reason: `${event.type} refused: ${refusal}` };
  if (rule.needsReason?.(state.status) && !event.reason) {
    return { allowed: false, refusal: 'not-now', reason: `${event.type} from ${describe(state.status)} needs a reason` };
  }
  switch (event.type) {
    case EventType.ReferralRouted:
    case EventType.ReferralUnrouted: {
      const linkWorkerId = event.linkWorkerId ?? state.linkWorkerId;
      const linkWorker: Recipient[] = linkWorkerId ? [{ kind: 'link-worker', id: linkWorkerId }] : [];
      return settle({ ...state, linkWorkerId, offers: addOffers(state.offers, [...linkWorker, ...(event.recipients ?? [])]) }, to, undefined);
    }
    case EventType.ReferralAccepted:
    case EventType.ReferralDeclined:
      return afterDecision(state, event, to);
    case EventType.ReferralOffered:
      return settle({ ...state, offers: addOffers(state.offers, event.recipients ?? []) }, to, undefined);
    case EventType.ReferralOfferWithdrawn: {
      let offers = state.offers;
      for (const recipient of event.recipients ?? []) {
        if (offerTo(state, recipient)?.state === 'open') offers = setOffer(offers, recipient, 'withdrawn');
      }
      return settle({ ...state, offers }, to, undefined);
    }
    default:
      return settle(state, to, event.reason);
  }
}

/** Whether an event would be accepted now, without applying it: for services that must refuse a request. */
export function checkLifecycleEvent(state: LifecycleState, event: Omit<LifecycleEvent, 'id' | 'occurredAt'>): { allowed: true } | { allowed: false; refusal: Refusal; reason: string } {
  const step = applyLifecycleEvent(state, { ...event, id: '', occurredAt: new Date(0) });
  return step.allowed ? { allowed: true } : step;
}

/** Ties in time break by the lifecycle's own order, then by event id, so every service sorts alike. */
const ORDER: Record<string, number> = Object.fromEntries(
  [
    EventType.ReferralReceived,
    EventType.ReferralUnrouted,
    EventType.ReferralRouted,
    EventType.ReferralOffered,
    EventType.NotificationSent,
    EventType.NotificationDelivered,
    EventType.NotificationFailed,
    EventType.ReferralAccepted,
    EventType.ReferralDeclined,
    EventType.ReferralOfferWithdrawn,
    EventType.ReferralContacted,
    EventType.MeasureRecorded,
    EventType.SessionAttended,
    EventType.SessionMissed,
    EventType.ReferralCompleted,
    EventType.ReferralClosed,
    EventType.ReferralCancelled,
    EventType.ReferralConsentWithdrawn,
  ].map((type, index) => [type, index]),
);

export function compareLifecycleEvents(a: Pick<LifecycleEvent, 'id' | 'type' | 'occurredAt'>, b: Pick<LifecycleEvent, 'id' | 'type' | 'occurredAt'>): number {
  return a.occurredAt.getTime() - b.occurredAt.getTime() || (ORDER[a.type] ?? 99) - (ORDER[b.type] ?? 99) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function inLifecycleOrder<T extends Pick<LifecycleEvent, 'id' | 'type' | 'occurredAt'>>(events: readonly T[]): T[] {
  return [...events].sort(compareLifecycleEvents);
}

export interface RefusedEvent {
  event: LifecycleEvent;
  from: ReferralStatusValue | null;
  reason: string;
}

export interface FoldedLifecycle {
  state: LifecycleState;
  /** When the status became what it is: the occurredAt of the last event that changed it (null before any). */
  statusChangedAt: Date | null;
  /** Events the lifecycle refused: they changed nothing, and are reported rather than silently fixed. */
  refused: RefusedEvent[];
}

/**
 * A referral's state from its whole history, in lifecycle order. Pure, and a function of the set of events
 * only (the order is total: time, then type, then id), so events arriving in any order fold to the same result.
 */
export function foldLifecycle(events: readonly LifecycleEvent[]): FoldedLifecycle {
  let state = INITIAL_LIFECYCLE;
  let statusChangedAt: Date | null = null;
  const refused: RefusedEvent[] = [];
  for (const event of inLifecycleOrder(events)) {
    const step = applyLifecycleEvent(state, event);
    if (!step.allowed) {
      refused.push({ event, from: state.status, reason: step.reason });
      continue;
    }
    if (step.state.status !== state.status) statusChangedAt = event.occurredAt;
    state = step.state;
  }
  return { state, statusChangedAt, refused };
}
