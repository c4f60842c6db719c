import { EventType } from '../events/event-types';
import { lifecycleEventOf } from './lifecycle-events';
import {
  Actor,
  LifecycleEvent,
  LifecycleState,
  ReferralStatusValue,
  applyLifecycleEvent,
  foldLifecycle,
  mayRecord,
  recordersOf,
} from './referral-lifecycle';

const sender: Actor = { kind: 'sender' };
const routing: Actor = { kind: 'routing' };
const system: Actor = { kind: 'system' };
const lw: Actor = { kind: 'link-worker', id: 'lw-1' };
const otherLw: Actor = { kind: 'link-worker', id: 'lw-2' };
const orgA: Actor = { kind: 'organisation', id: 'org-a' };
const orgB: Actor = { kind: 'organisation', id: 'org-b' };
const orgC: Actor = { kind: 'organisation', id: 'org-c' };
const stranger: Actor = { kind: 'organisation', id: 'org-never-offered' };

let clock = 0;
function event(type: string, actor: Actor, extra: Partial<LifecycleEvent> = {}): LifecycleEvent {
  clock += 1;
  return { id: `e${String(clock).padStart(4, '0')}`, type, occurredAt: new Date(Date.UTC(2026, 10, 1) + clock * 60_000), actor, ...extra };
}

const received = () => event(EventType.ReferralReceived, sender);
/** Routed to the link worker lw-1 and organisations A, B and C. */
const routed = () => event(EventType.ReferralRouted, routing, { linkWorkerId: 'lw-1', recipients: [orgA, orgB, orgC] as never });
const accept = (actor: Actor) => event(EventType.ReferralAccepted, actor);
const decline = (actor: Actor, reason = 'no-capacity') => event(EventType.ReferralDeclined, actor, { reason });
const outcome = (type: string, actor: Actor, reason?: string) => event(type, actor, reason ? { reason } : {});

/** The state each named status is reached by, with lw-1 and A, B, C offered. */
const HISTORIES: Record<string, () => LifecycleEvent[]> = {
  none: () => [],
  received: () => [received()],
  unrouted: () => [received(), event(EventType.ReferralUnrouted, routing, { linkWorkerId: 'lw-1' })],
  routed: () => [received(), routed()],
  'declined (all)': () => [received(), routed(), decline(lw), decline(orgA), decline(orgB), decline(orgC)],
  'accepted (A)': () => [received(), routed(), accept(orgA)],
  'contacted (A)': () => [received(), routed(), accept(orgA), outcome(EventType.ReferralContacted, orgA)],
  'in-progress (A)': () => [received(), routed(), accept(orgA), outcome(EventType.ReferralContacted, orgA), outcome(EventType.SessionAttended, orgA)],
  'completed (A)': () => [received(), routed(), accept(orgA), outcome(EventType.ReferralContacted, orgA), outcome(EventType.ReferralCompleted, orgA)],
  closed: () => [...HISTORIES['completed (A)'](), outcome(EventType.ReferralClosed, lw)],
  cancelled: () => [received(), routed(), event(EventType.ReferralCancelled, sender, { reason: 'no-longer-required' })],
  'consent-withdrawn': () => [received(), routed(), event(EventType.ReferralConsentWithdrawn, sender)],
};

function stateAfter(history: keyof typeof HISTORIES): LifecycleState {
  const folded = foldLifecycle(HISTORIES[history]());
  expect(folded.refused).toEqual([]);
  return folded.state;
}

describe('the referral lifecycle: one row per (state, event, actor)', () => {
  it.each<[string, string, Actor, string | undefined, ReferralStatusValue]>([
    ['none', EventType.ReferralReceived, sender, undefined, 'received'],
    ['received', EventType.ReferralRouted, routing, undefined, 'routed'],
    ['received', EventType.ReferralUnrouted, routing, undefined, 'unrouted'],
    ['unrouted', EventType.ReferralRouted, routing, undefined, 'routed'],
    ['routed', EventType.NotificationSent, system, undefined, 'routed'],
    ['completed (A)', EventType.NotificationFailed, system, undefined, 'completed'],
    ['routed', EventType.ReferralAccepted, orgA, undefined, 'accepted'],
    ['routed', EventType.ReferralAccepted, lw, undefined, 'accepted'],
    ['unrouted', EventType.ReferralAccepted, lw, undefined, 'accepted'],
    // One decline among several offers leaves the referral waiting on the others.
    ['routed', EventType.ReferralDeclined, orgA, 'no-capacity', 'routed'],
    // A decline after another recipient accepted changes nothing about the status.
    ['accepted (A)', EventType.ReferralDeclined, orgB, 'no-capacity', 'accepted'],
    ['accepted (A)', EventType.ReferralDeclined, lw, 'no-capacity', 'accepted'],
    ['contacted (A)', EventType.ReferralDeclined, orgC, 'no-capacity', 'contacted'],
    ['accepted (A)', EventType.ReferralAccepted, orgB, undefined, 'accepted'],
    ['accepted (A)', EventType.ReferralContacted, orgA, undefined, 'contacted'],
    ['accepted (A)', EventType.ReferralContacted, lw, undefined, 'contacted'],
    ['contacted (A)', EventType.ReferralContacted, orgA, undefined, 'contacted'],
    ['contacted (A)', EventType.SessionAttended, orgA, undefined, 'in-progress'],
    ['contacted (A)', EventType.SessionMissed, lw, undefined, 'in-progress'],
    ['in-progress (A)', EventType.SessionAttended, orgA, undefined, 'in-progress'],
    ['in-progress (A)', EventType.ReferralCompleted, orgA, undefined, 'completed'],
    ['contacted (A)', EventType.ReferralCompleted, lw, undefined, 'completed'],
    ['accepted (A)', EventType.MeasureRecorded, orgA, undefined, 'accepted'],
    ['completed (A)', EventType.MeasureRecorded, lw, undefined, 'completed'],
    ['completed (A)', EventType.ReferralClosed, orgA, undefined, 'closed'],
    ['routed', EventType.ReferralClosed, lw, 'no-longer-interested', 'closed'],
    ['declined (all)', EventType.ReferralClosed, lw, 'no-capacity', 'closed'],
    ['in-progress (A)', EventType.ReferralClosed, orgA, 'could-not-contact', 'closed'],
    ['received', EventType.ReferralCancelled, sender, 'no-longer-required', 'cancelled'],
    ['accepted (A)', EventType.ReferralCancelled, sender, 'patient-moved', 'cancelled'],
    ['in-progress (A)', EventType.ReferralCancelled, sender, 'entered-in-error', 'cancelled'],
    ['declined (all)', EventType.ReferralCancelled, sender, 'no-longer-required', 'cancelled'],
    ['routed', EventType.ReferralConsentWithdrawn, sender, undefined, 'consent-withdrawn'],
    ['in-progress (A)', EventType.ReferralConsentWithdrawn, orgA, undefined, 'consent-withdrawn'],
    ['completed (A)', EventType.ReferralConsentWithdrawn, lw, undefined, 'consent-withdrawn'],
    ['closed', EventType.ReferralConsentWithdrawn, sender, undefined, 'closed'],
    ['cancelled', EventType.ReferralConsentWithdrawn, sender, undefined, 'cancelled'],
    ['cancelled', EventType.ReferralDeclined, orgA, 'no-capacity', 'cancelled'],
    ['cancelled', EventType.NotificationSent, system, undefined, 'cancelled'],
    ['routed', EventType.ReferralOffered, lw, undefined, 'routed'],
    ['accepted (A)', EventType.ReferralOfferWithdrawn, routing, undefined, 'accepted'],
  ])('%s + %s by %j (reason %s) → %s', (from, type, actor, reason, to) => {
    const step = applyLifecycleEvent(stateAfter(from), event(type, actor, reason ? { reason } : {}));
    expect(step).toMatchObject({ allowed: true, state: { status: to } });
  });

  it.each<[string, string, Actor, string | undefined, RegExp]>([
    ['none', EventType.ReferralRouted, routing, undefined, /cannot follow nothing/],
    ['none', EventType.ReferralCompleted, lw, undefined, /cannot follow nothing/],
    ['received', EventType.ReferralReceived, sender, undefined, /cannot follow received/],
    ['received', EventType.ReferralRouted, orgA, undefined, /may not cause it/],
    ['received', EventType.ReferralAccepted, orgA, undefined, /cannot follow received/],
    ['routed', EventType.ReferralAccepted, stranger, undefined, /was not offered/],
    ['routed', EventType.ReferralDeclined, stranger, 'no-capacity', /was not offered/],
    ['routed', EventType.ReferralAccepted, otherLw, undefined, /was not offered/],
    ['routed', EventType.ReferralContacted, lw, undefined, /cannot follow routed/],
    ['routed', EventType.SessionAttended, orgA, undefined, /cannot follow routed/],
    ['routed', EventType.MeasureRecorded, lw, undefined, /cannot follow routed/],
    // Only the organisation that accepted and the referral's link worker record.
    ['accepted (A)', EventType.ReferralContacted, orgB, undefined, /neither accepted the referral nor is its link worker/],
    ['accepted (A)', EventType.ReferralContacted, stranger, undefined, /neither accepted/],
    ['in-progress (A)', EventType.ReferralCompleted, orgB, undefined, /neither accepted/],
    ['in-progress (A)', EventType.ReferralClosed, orgC, 'other', /neither accepted/],
    ['accepted (A)', EventType.MeasureRecorded, orgB, undefined, /neither accepted/],
    ['accepted (A)', EventType.ReferralContacted, otherLw, undefined, /neither accepted/],
    ['accepted (A)', EventType.ReferralContacted, sender, undefined, /neither accepted/],
    ['accepted (A)', EventType.SessionAttended, orgA, undefined, /cannot follow accepted/],
    ['accepted (A)', EventType.ReferralCompleted, orgA, undefined, /cannot follow accepted/],
    ['routed', EventType.ReferralClosed, lw, undefined, /needs a reason/],
    ['in-progress (A)', EventType.ReferralClosed, orgA, undefined, /needs a reason/],
    ['completed (A)', EventType.SessionAttended, orgA, undefined, /cannot follow completed/],
    ['completed (A)', EventType.ReferralAccepted, orgB, undefined, /cannot follow completed/],
    ['closed', EventType.ReferralContacted, orgA, undefined, /cannot follow closed/],
    ['closed', EventType.ReferralClosed, orgA, 'other', /cannot follow closed/],
    ['closed', EventType.MeasureRecorded, orgA, undefined, /cannot follow closed/],
    ['closed', EventType.NotificationSent, system, undefined, /cannot follow closed/],
    // A cancelled referral cannot be accepted, nor recorded against.
    ['cancelled', EventType.ReferralAccepted, orgA, undefined, /cannot follow cancelled/],
    ['cancelled', EventType.ReferralContacted, lw, undefined, /cannot follow cancelled/],
    ['received', EventType.ReferralCancelled, sender, undefined, /needs a reason/],
    ['received', EventType.ReferralCancelled, lw, 'other', /may not cause it/],
    ['completed (A)', EventType.ReferralCancelled, sender, 'too-late', /cannot follow completed/],
    ['closed', EventType.ReferralCancelled, sender, 'too-late', /cannot follow closed/],
    ['routed', EventType.ReferralConsentWithdrawn, orgA, undefined, /may not cause it/],
    ['consent-withdrawn', EventType.ReferralAccepted, orgA, undefined, /cannot follow consent-withdrawn/],
    ['consent-withdrawn', EventType.MeasureRecorded, lw, undefined, /cannot follow consent-withdrawn/],
    ['routed', EventType.ReferralOffered, orgA, undefined, /may not cause it/],
    ['routed', 'referral.teleported', system, undefined, /unknown event type/],
  ])('refuses %s + %s by %j (reason %s)', (from, type, actor, reason, why) => {
    const step = applyLifecycleEvent(stateAfter(from), event(type, actor, reason ? { reason } : {}));
    expect(step).toEqual({ allowed: false, refusal: /refused:/.test(why.source) || /neither|may not|not offered/.test(why.source) ? 'not-permitted' : 'not-now', reason: expect.stringMatching(why) });
  });
});

describe('several recipients in play', () => {
  it('is declined only when every offer is declined, with the last reason', () => {
    const history = [received(), routed(), decline(orgA), decline(lw), decline(orgB, 'not-eligible')];
    expect(foldLifecycle(history).state.status).toBe('routed');
    const all = foldLifecycle([...history, decline(orgC, 'referred-elsewhere')]).state;
    expect(all).toMatchObject({ status: 'declined', statusReason: 'referred-elsewhere' });
  });

  it('counts a withdrawn offer as no longer open', () => {
    const history = [received(), routed(), decline(orgA), decline(lw), decline(orgB)];
    const withdrawn = event(EventType.ReferralOfferWithdrawn, lw, { recipients: [orgC] as never });
    expect(foldLifecycle([...history, withdrawn]).state.status).toBe('declined');
    expect(foldLifecycle([...history, withdrawn, accept(orgC)]).refused).toEqual([expect.objectContaining({ reason: expect.stringMatching(/withdrawn/) })]);
  });

  it('is accepted on one acceptance, and stays accepted whatever the others decide', () => {
    const state = foldLifecycle([received(), routed(), accept(orgB), decline(orgA), decline(orgC), decline(lw)]).state;
    expect(state.status).toBe('accepted');
    expect(recordersOf(state)).toEqual(['link-worker:lw-1', 'organisation:org-b']);
  });

  it('accepts a new offer after every other was declined (hand-off), and lets only that organisation record', () => {
    const declined = HISTORIES['declined (all)']();
    const handedOff = event(EventType.ReferralOffered, lw, { recipients: [{ kind: 'organisation', id: 'org-d' }] });
    const history = [...declined, handedOff, accept({ kind: 'organisation', id: 'org-d' })];
    const { state, refused } = foldLifecycle(history);
    expect(refused).toEqual([]);
    expect(state.status).toBe('accepted');
    expect(mayRecord(state, { kind: 'organisation', id: 'org-d' })).toBe(true);
    expect(mayRecord(state, orgA)).toBe(false);
  });

  it('treats a repeated decision as no change, and refuses a change of mind', () => {
    const state = stateAfter('accepted (A)');
    expect(applyLifecycleEvent(state, accept(orgA))).toMatchObject({ allowed: true, changed: false });
    expect(applyLifecycleEvent(state, decline(orgA))).toEqual({ allowed: false, refusal: 'not-now', reason: expect.stringMatching(/already accepted/) });
  });

  it('reaches the same state whatever order the events arrive in', () => {
    const history = [...HISTORIES['in-progress (A)'](), decline(orgB), decline(orgC), outcome(EventType.SessionMissed, lw)];
    const forwards = foldLifecycle(history);
    const backwards = foldLifecycle([...history].reverse());
    expect(backwards).toEqual(forwards);
    expect(forwards.state.status).toBe('in-progress');
  });
});

describe('lifecycle events from payloads', () => {
  it('reads who acted from each payload shape', () => {
    const at = '2026-11-02T10:00:00Z';
    expect(lifecycleEventOf({ id: '1', type: EventType.ReferralRouted, occurredAt: at, payload: { linkWorkerId: 'lw-1', tasks: [{ recipientType: 'organisation', recipientId: 'org-a', reason: 'x' }] } })).toEqual({
      id: '1',
      type: EventType.ReferralRouted,
      occurredAt: new Date(at),
      actor: routing,
      linkWorkerId: 'lw-1',
      recipients: [orgA],
    });
    expect(lifecycleEventOf({ id: '2', type: EventType.ReferralUnrouted, occurredAt: at, payload: { reason: 'no-link-worker', fallbackLinkWorkerId: 'lw-2' } })).toMatchObject({
      actor: routing,
      linkWorkerId: 'lw-2',
    });
    expect(lifecycleEventOf({ id: '3', type: EventType.ReferralDeclined, occurredAt: at, payload: { recipientType: 'organisation', recipientId: 'org-b', reason: 'no-capacity' } })).toMatchObject({
      actor: orgB,
      reason: 'no-capacity',
    });
    expect(lifecycleEventOf({ id: '4', type: EventType.ReferralClosed, occurredAt: at, payload: { recordedBy: { kind: 'link-worker', id: 'lw-1' }, reason: 'other' } })).toMatchObject({ actor: lw });
    expect(lifecycleEventOf({ id: '5', type: EventType.ReferralCancelled, occurredAt: at, payload: { reason: 'entered-in-error', by: { kind: 'sender' } } })).toMatchObject({
      actor: sender,
      reason: 'entered-in-error',
    });
    expect(lifecycleEventOf({ id: '6', type: EventType.ReferralConsentWithdrawn, occurredAt: at, payload: { recordedAt: at, by: { kind: 'link-worker', id: 'lw-1' } } })).toMatchObject({ actor: lw });
    expect(lifecycleEventOf({ id: '7', type: EventType.NotificationSent, occurredAt: at, payload: { recipientType: 'link-worker', recipientId: 'lw-1' } })).toMatchObject({ actor: system });
  });
});
