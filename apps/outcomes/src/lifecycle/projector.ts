import { EventType, EventTypeName, FoldedLifecycle, INITIAL_LIFECYCLE, LifecycleEvent, ReferralStatus, ReferralStatusValue, applyLifecycleEvent, foldLifecycle, inLifecycleOrder as lifecycleOrder, lifecycleEventOf, recordersOf } from '@app/shared';
import { DecisionData, MeasureData, OutcomeData, ReceivedData, RoutedData, StoredEvent } from './stored-event';

/** One referral as the event store says it stands: a pure function of its events. */
export interface ReferralProjection {
  referralId: string;
  status: ReferralStatusValue | null;
  practiceOdsCode: string | null;
  pcnOdsCode: string | null;
  subIcbCode: string | null;
  icbCode: string | null;
  needs: string[];
  urgency: string | null;
  ageBand: string | null;
  sex: string | null;
  postcodeDistrict: string | null;
  /** Who may record outcomes, as the shared lifecycle says: "link-worker:<id>" or "organisation:<id>". */
  assignees: string[];
  /** Organisations the referral was sent to or accepted by. */
  organisationIds: string[];
  receivedAt: Date | null;
  routedAt: Date | null;
  acceptedAt: Date | null;
  declinedAt: Date | null;
  firstContactAt: Date | null;
  firstSessionAt: Date | null;
  completedAt: Date | null;
  closedAt: Date | null;
  sessionsAttended: number;
  sessionsMissed: number;
  declineReason: string | null;
  closeReason: string | null;
  lastEventAt: Date | null;
}

export interface Anomaly {
  eventId: string;
  eventType: string;
  fromStatus: ReferralStatusValue | null;
  reason: string;
}

export interface AppliedMeasure extends MeasureData {
  eventId: string;
}

export interface Projection {
  referral: ReferralProjection;
  anomalies: Anomaly[];
  measures: AppliedMeasure[];
}

export function emptyProjection(referralId: string): ReferralProjection {
  return {
    referralId,
    status: null,
    practiceOdsCode: null,
    pcnOdsCode: null,
    subIcbCode: null,
    icbCode: null,
    needs: [],
    urgency: null,
    ageBand: null,
    sex: null,
    postcodeDistrict: null,
    assignees: [],
    organisationIds: [],
    receivedAt: null,
    routedAt: null,
    acceptedAt: null,
    declinedAt: null,
    firstContactAt: null,
    firstSessionAt: null,
    completedAt: null,
    closedAt: null,
    sessionsAttended: 0,
    sessionsMissed: 0,
    declineReason: null,
    closeReason: null,
    lastEventAt: null,
  };
}

/** Events in the order they happened, ties broken as every service breaks them (shared lifecycle order). */
export function inLifecycleOrder(events: StoredEvent[]): StoredEvent[] {
  return lifecycleOrder(events.map((event) => ({ ...event, id: event.eventId }))).map(({ id: _id, ...event }) => event);
}

function add(list: string[], item: string): string[] {
  return list.includes(item) ? list : [...list, item];
}

function asLifecycleEvent(event: StoredEvent): LifecycleEvent {
  return lifecycleEventOf({ id: event.eventId, type: event.type, occurredAt: event.occurredAt, payload: event.data });
}

/** The shared lifecycle's state (status, link worker, offers) from the stored events. */
export function lifecycleOf(events: StoredEvent[]): FoldedLifecycle {
  return foldLifecycle(events.map(asLifecycleEvent));
}

/**
 * Folds a referral's events through the shared lifecycle. An event the lifecycle refuses is reported as
 * an anomaly and has no effect, so an impossible history is visible rather than silently "fixed".
 */
export function project(referralId: string, events: StoredEvent[]): Projection {
  let referral = emptyProjection(referralId);
  let lifecycle = INITIAL_LIFECYCLE;
  const anomalies: Anomaly[] = [];
  const measures: AppliedMeasure[] = [];
  for (const event of inLifecycleOrder(events)) {
    const step = applyLifecycleEvent(lifecycle, asLifecycleEvent(event));
    if (!step.allowed) {
      anomalies.push({ eventId: event.eventId, eventType: event.type, fromStatus: referral.status, reason: step.reason });
      continue;
    }
    lifecycle = step.state;
    referral = apply({ ...referral, status: lifecycle.status, assignees: recordersOf(lifecycle), lastEventAt: event.occurredAt }, event);
    if (event.type === EventType.MeasureRecorded) measures.push({ ...(event.data as MeasureData), eventId: event.eventId });
  }
  return { referral, anomalies, measures };
}

/** The notifier's events: several per referral, and in a projection they move nothing but the last-event time. */
const NOTIFICATION_EVENTS: readonly EventTypeName[] = [EventType.NotificationSent, EventType.NotificationDelivered, EventType.NotificationFailed];

/**
 * The statuses from which folding this event in last changes nothing but lastEventAt: the lifecycle
 * allows it there and leaves the status as it was. Empty for every other kind of event. A projection in
 * one of these statuses whose last event is older than this one can take it without a fold of all its
 * events: the fold would reach the same state plus this event's time.
 */
export function statusesOnlyTouchedBy(event: StoredEvent): ReferralStatusValue[] {
  if (!NOTIFICATION_EVENTS.includes(event.type)) return [];
  const lifecycleEvent = asLifecycleEvent(event);
  return Object.values(ReferralStatus).filter((status) => {
    const step = applyLifecycleEvent({ ...INITIAL_LIFECYCLE, status }, lifecycleEvent);
    return step.allowed && step.state.status === status;
  });
}

function apply(referral: ReferralProjection, event: StoredEvent): ReferralProjection {
  switch (event.type) {
    case EventType.ReferralReceived: {
      const data = event.data as ReceivedData;
      return {
        ...referral,
        practiceOdsCode: data.practiceOdsCode,
        pcnOdsCode: data.pcnOdsCode,
        subIcbCode: data.subIcbCode,
        icbCode: data.icbCode,
        needs: data.needs,
        urgency: data.urgency,
        ageBand: data.ageBand,
        sex: data.sex,
        postcodeDistrict: data.postcodeDistrict,
        receivedAt: new Date(data.receivedAt),
      };
    }
    case EventType.ReferralRouted: {
      const data = event.data as RoutedData;
      let organisationIds = referral.organisationIds;
      for (const task of data.tasks) {
        if (task.recipientType === 'organisation') organisationIds = add(organisationIds, task.recipientId);
      }
      return { ...referral, organisationIds, routedAt: referral.routedAt ?? event.occurredAt };
    }
    case EventType.ReferralAccepted: {
      const data = event.data as DecisionData;
      const organisationIds = data.organisationId ? add(referral.organisationIds, data.organisationId) : referral.organisationIds;
      return { ...referral, organisationIds, acceptedAt: referral.acceptedAt ?? new Date(data.decidedAt ?? event.occurredAt) };
    }
    case EventType.ReferralDeclined: {
      const data = event.data as DecisionData;
      const moved = referral.status === 'declined';
      return {
        ...referral,
        declinedAt: moved ? (referral.declinedAt ?? new Date(data.decidedAt ?? event.occurredAt)) : referral.declinedAt,
        declineReason: moved ? (data.reason ?? referral.declineReason) : referral.declineReason,
      };
    }
    case EventType.ReferralContacted: {
      const data = event.data as OutcomeData;
      return { ...referral, firstContactAt: referral.firstContactAt ?? new Date(data.occurredAt) };
    }
    case EventType.SessionAttended: {
      const data = event.data as OutcomeData;
      return { ...referral, sessionsAttended: referral.sessionsAttended + 1, firstSessionAt: referral.firstSessionAt ?? new Date(data.occurredAt) };
    }
    case EventType.SessionMissed:
      return { ...referral, sessionsMissed: referral.sessionsMissed + 1 };
    case EventType.ReferralCompleted:
      return { ...referral, completedAt: new Date((event.data as OutcomeData).occurredAt) };
    case EventType.ReferralClosed: {
      const data = event.data as OutcomeData;
      return { ...referral, closedAt: new Date(data.occurredAt), closeReason: data.reason ?? (referral.completedAt ? 'completed' : null) };
    }
    default:
      return referral;
  }
}
