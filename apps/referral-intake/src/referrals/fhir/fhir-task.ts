import { EventType, LifecycleState } from '@app/shared';
import type { ReferralHistoryEvent } from '../../status/referral-history';
import codes from '../data/codes.json';
import type { Referral } from '../referral';

/** Where a referral stands, as much as its sender may see: no patient details. */
export interface TaskSource {
  referralId: string;
  senderReferralId: string | null;
  practiceOdsCode: string;
  urgency: string;
  receivedAt: Date;
  updatedAt: Date;
  /** The shared lifecycle's status, and the reason given with the change to it. */
  status: string;
  statusReason: string | null;
  statusChangedAt: Date;
  /** Whether the referral reached completed before it was closed. */
  completed: boolean;
  /** Who took the referral on: the accepting organisation, else the link worker once it was accepted. */
  owner: { kind: 'organisation' | 'link-worker'; id: string } | null;
  sessionsAttended: number;
}

type TaskStatus = 'requested' | 'accepted' | 'rejected' | 'in-progress' | 'completed' | 'cancelled';

/**
 * Our finer status → FHIR Task.status, following the SDOH Clinical Care referral-management Task: the
 * finer status stays visible as businessStatus.
 */
const TASK_STATUS: Record<string, TaskStatus> = {
  received: 'requested',
  routed: 'requested',
  unrouted: 'requested',
  accepted: 'accepted',
  declined: 'rejected',
  contacted: 'in-progress',
  'in-progress': 'in-progress',
  completed: 'completed',
  closed: 'completed',
  cancelled: 'cancelled',
  'consent-withdrawn': 'cancelled',
};

const STATUS_TEXT: Record<string, string> = {
  received: 'Received',
  routed: 'Sent to the link worker and organisations',
  unrouted: 'Waiting for a link worker',
  accepted: 'Accepted',
  declined: 'Declined',
  contacted: 'The person has been contacted',
  'in-progress': 'Support under way',
  completed: 'Support completed',
  closed: 'Closed',
  cancelled: 'Cancelled by the referrer',
  'consent-withdrawn': 'Consent withdrawn',
};

function taskStatusOf(source: TaskSource): TaskStatus {
  // A referral closed without completing (with a reason) ended without the service being delivered.
  if (source.status === 'closed' && !source.completed) return 'cancelled';
  return TASK_STATUS[source.status] ?? 'requested';
}

const concept = (system: string, code: string, text?: string) => ({ coding: [{ system, code, ...(text ? { display: text } : {}) }], ...(text ? { text } : {}) });

/** A FHIR R4 Task for the referral, in the SDOH Clinical Care referral-management pattern. Pure. */
export function referralTask(source: TaskSource): Record<string, unknown> {
  const status = taskStatusOf(source);
  const reason = source.status === 'consent-withdrawn' ? 'consent-withdrawn' : source.statusReason;
  const ended = ['completed', 'closed'].includes(source.status);
  const owner = source.owner
    ? source.owner.kind === 'organisation'
      ? { type: 'Organization', identifier: { system: codes.organisationIdentifierSystem, value: source.owner.id } }
      : { type: 'PractitionerRole', identifier: { system: codes.linkWorkerIdentifierSystem, value: source.owner.id }, display: 'Social prescribing link worker' }
    : undefined;
  return {
    resourceType: 'Task',
    id: source.referralId,
    meta: { lastUpdated: source.updatedAt.toISOString() },
    identifier: [{ system: codes.referralIdentifierSystem, value: source.referralId }],
    status,
    ...(reason && ['rejected', 'cancelled'].includes(status) ? { statusReason: concept(codes.statusReasonSystem, reason, reason) } : {}),
    businessStatus: concept(codes.referralStatusSystem, source.status, STATUS_TEXT[source.status] ?? source.status),
    intent: 'order',
    priority: ['routine', 'urgent', 'asap'].includes(source.urgency) ? source.urgency : 'routine',
    code: concept('http://hl7.org/fhir/CodeSystem/task-code', 'fulfill', 'Fulfill the focal request'),
    focus: { reference: `ServiceRequest/${source.referralId}`, ...(source.senderReferralId ? { identifier: { value: source.senderReferralId } } : {}) },
    authoredOn: source.receivedAt.toISOString(),
    lastModified: source.statusChangedAt.toISOString(),
    requester: { type: 'Organization', identifier: { system: codes.odsOrganisationSystem, value: source.practiceOdsCode } },
    ...(owner ? { owner } : {}),
    ...(ended
      ? {
          output: [
            { type: concept(codes.taskOutputSystem, 'outcome', 'Outcome'), valueCodeableConcept: concept(codes.referralStatusSystem, source.status, STATUS_TEXT[source.status]) },
            { type: concept(codes.taskOutputSystem, 'sessions-attended', 'Sessions attended'), valueUnsignedInt: source.sessionsAttended },
            ...(source.statusReason ? [{ type: concept(codes.taskOutputSystem, 'closure-reason', 'Closure reason'), valueCodeableConcept: concept(codes.statusReasonSystem, source.statusReason, source.statusReason) }] : []),
          ],
        }
      : {}),
  };
}

/** What the Task needs from the referral and its folded history (never the patient). Pure. */
export function taskSourceOf(
  referral: Pick<Referral, 'id' | 'senderReferralId' | 'practiceOdsCode' | 'urgency' | 'receivedAt' | 'updatedAt' | 'status' | 'statusReason' | 'statusChangedAt'>,
  history: ReadonlyArray<Pick<ReferralHistoryEvent, 'type'>>,
  state: LifecycleState,
  at: { status?: string; statusReason?: string | null; statusChangedAt?: Date } = {},
): TaskSource {
  const accepted = state.offers.filter((offer) => offer.state === 'accepted');
  const owner = accepted.find((offer) => offer.recipient.kind === 'organisation') ?? accepted.find((offer) => offer.recipient.kind === 'link-worker');
  return {
    referralId: referral.id,
    senderReferralId: referral.senderReferralId,
    practiceOdsCode: referral.practiceOdsCode,
    urgency: referral.urgency,
    receivedAt: referral.receivedAt,
    updatedAt: at.statusChangedAt && at.statusChangedAt > referral.updatedAt ? at.statusChangedAt : referral.updatedAt,
    status: at.status ?? referral.status,
    statusReason: at.statusReason !== undefined ? at.statusReason : referral.statusReason,
    statusChangedAt: at.statusChangedAt ?? referral.statusChangedAt,
    completed: history.some((event) => event.type === EventType.ReferralCompleted),
    owner: owner ? { kind: owner.recipient.kind, id: owner.recipient.id } : null,
    sessionsAttended: history.filter((event) => event.type === EventType.SessionAttended).length,
  };
}
