import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { EventEnvelope, EventType, EventTypeName } from '@app/shared';
import { historyFactsOf, referralLifecycle } from './status-transitions';

const referral = { id: randomUUID(), receivedAt: new Date('2026-11-02T09:00:00Z') };
let minute = 0;

function heard<T extends EventTypeName>(type: T, payload: unknown) {
  minute += 1;
  const envelope = { id: randomUUID(), type, occurredAt: new Date(referral.receivedAt.getTime() + minute * 60_000).toISOString(), payload } as unknown as EventEnvelope;
  return { eventId: envelope.id, type, occurredAt: new Date(envelope.occurredAt), facts: historyFactsOf(envelope) };
}

const routed = () => heard(EventType.ReferralRouted, { linkWorkerId: 'lw-1', tasks: [{ recipientType: 'organisation', recipientId: 'org-a', reason: 'x' }, { recipientType: 'organisation', recipientId: 'org-b', reason: 'y' }] });
const decided = (type: EventTypeName, recipientType: string, recipientId: string) => heard(type, { recipientType, recipientId, decidedAt: new Date().toISOString(), reason: 'no-capacity' });

describe("intake's status from the referral's history", () => {
  it('stays accepted when another recipient declines after the link worker accepted', () => {
    const history = [routed(), decided(EventType.ReferralAccepted, 'link-worker', 'lw-1'), decided(EventType.ReferralDeclined, 'organisation', 'org-a')];
    expect(referralLifecycle(referral, history).state.status).toBe('accepted');
  });

  it('is declined only once every recipient offered has declined, with the last reason', () => {
    const history = [routed(), decided(EventType.ReferralDeclined, 'organisation', 'org-a'), decided(EventType.ReferralDeclined, 'link-worker', 'lw-1')];
    expect(referralLifecycle(referral, history).state.status).toBe('routed');
    const all = referralLifecycle(referral, [...history, decided(EventType.ReferralDeclined, 'organisation', 'org-b')]).state;
    expect(all).toMatchObject({ status: 'declined', statusReason: 'no-capacity' });
  });

  it('settles on the same status whatever order the events were heard in', () => {
    const history = [routed(), decided(EventType.ReferralAccepted, 'organisation', 'org-b'), decided(EventType.ReferralDeclined, 'organisation', 'org-a')];
    expect(referralLifecycle(referral, [...history].reverse()).state.status).toBe('accepted');
  });

  it('folds any arrival order of a whole journey to the status, reason and change time of the events in order', () => {
    const contact = (kind: string, id: string) => heard(EventType.ReferralContacted, { recordedBy: { kind, id }, occurredAt: new Date().toISOString() });
    const outcome = (type: EventTypeName) => heard(type, { recordedBy: { kind: 'organisation', id: 'org-b' }, occurredAt: new Date().toISOString() });
    const journeys = [
      [routed(), decided(EventType.ReferralDeclined, 'organisation', 'org-a'), decided(EventType.ReferralAccepted, 'organisation', 'org-b'), contact('organisation', 'org-b'), outcome(EventType.SessionAttended), outcome(EventType.SessionMissed), outcome(EventType.ReferralCompleted), outcome(EventType.ReferralClosed)],
      [routed(), decided(EventType.ReferralDeclined, 'organisation', 'org-a'), decided(EventType.ReferralDeclined, 'organisation', 'org-b'), decided(EventType.ReferralDeclined, 'link-worker', 'lw-1')],
      [routed(), decided(EventType.ReferralAccepted, 'link-worker', 'lw-1'), heard(EventType.ReferralCancelled, { reason: 'patient-request' }), contact('link-worker', 'lw-1')],
    ];
    expect(journeys.map((journey) => referralLifecycle(referral, journey).state.status)).toEqual(['closed', 'declined', 'cancelled']);
    for (const journey of journeys) {
      const inOrder = referralLifecycle(referral, journey);
      fc.assert(
        fc.property(fc.shuffledSubarray(journey, { minLength: journey.length, maxLength: journey.length }), (arrived) => {
          const folded = referralLifecycle(referral, arrived);
          expect({ ...folded, refused: sortedRefusals(folded.refused) }).toEqual({ ...inOrder, refused: sortedRefusals(inOrder.refused) });
        }),
        { numRuns: 200 },
      );
    }
  });

  it('refuses a completion recorded by an organisation that never accepted', () => {
    const history = [routed(), decided(EventType.ReferralAccepted, 'organisation', 'org-a'), heard(EventType.ReferralContacted, { recordedBy: { kind: 'organisation', id: 'org-b' }, occurredAt: new Date().toISOString() })];
    const { state, refused } = referralLifecycle(referral, history);
    expect(state.status).toBe('accepted');
    expect(refused).toHaveLength(1);
  });

  it('keeps who acted and on whom, not the payload text', () => {
    const facts = heard(EventType.ReferralDeclined, { recipientType: 'organisation', recipientId: 'org-a', decidedAt: '2026-11-02T10:00:00Z', reason: 'other', reasonText: 'Our hall flooded' }).facts;
    expect(facts).toEqual({ actor: { kind: 'organisation', id: 'org-a' }, reason: 'other' });
  });
});

function sortedRefusals<T extends { event: { id: string } }>(refused: T[]): T[] {
  return [...refused].sort((a, b) => a.event.id.localeCompare(b.event.id));
}
