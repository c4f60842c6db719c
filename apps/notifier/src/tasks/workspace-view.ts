import { CLOSE_REASON_LABELS, type WellbeingMeasure, needsText } from '@app/shared';
import type { Viewer } from './access';
import { CaseloadReferral, FollowUpState, followUpState, groupCaseload } from './caseload';
import type { ReferralView } from './casework.service';
import { OUTCOME_KINDS } from './forms';
import { MEASURE_QUESTIONS } from './measure-questions';
import { CONTACT_METHOD_LABELS, dateOfBirthText, formatNhsNumber, formatPhone } from './person-details';
import type { ReferralCase } from './tasks.store';
import type { Task } from './task.entity';

/*
 * What the workspace pages show, as plain data for the templates: pure functions of what the services
 * return, so every wording and rule of display is tested without a browser.
 */

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'Europe/London' });

export const dayText = (date: Date) => DAY.format(date);

export const STATUS_LABELS: Record<string, { text: string; colour: string }> = {
  received: { text: 'Received', colour: 'grey' },
  routed: { text: 'New', colour: 'blue' },
  unrouted: { text: 'No organisation found', colour: 'orange' },
  accepted: { text: 'Accepted', colour: 'green' },
  declined: { text: 'Declined', colour: 'orange' },
  contacted: { text: 'Contacted', colour: 'aqua-green' },
  'in-progress': { text: 'In progress', colour: 'aqua-green' },
  completed: { text: 'Completed', colour: 'purple' },
  closed: { text: 'Closed', colour: 'grey' },
};

export function statusTag(status: string): { text: string; colour: string } {
  return STATUS_LABELS[status] ?? { text: status, colour: 'grey' };
}

export const URGENCY_LABELS: Record<string, string> = { routine: 'Routine', urgent: 'Urgent', asap: 'As soon as possible' };

export function followUpText(state: FollowUpState): string | undefined {
  switch (state.state) {
    case 'reminder-due':
      return `Reminder due ${dayText(state.at)}`;
    case 'reminded':
      return `Reminder sent ${dayText(state.at)}`;
    case 'escalated':
      return `Escalated to the link worker ${dayText(state.at)}`;
    default:
      return undefined;
  }
}

export function practiceText(referral: Pick<ReferralCase, 'practiceName' | 'practiceOdsCode'>): string {
  return referral.practiceName ? `${referral.practiceName} (${referral.practiceOdsCode})` : referral.practiceOdsCode;
}

export type CaseloadEntry = ReferralCase & { tasks: Task[] };

/** The caseload page: its groups (every group shown, with a count), each referral as a line with its state. */
export function caseloadPage(viewer: Viewer, referrals: CaseloadEntry[]) {
  const asCaseload = referrals.map((referral): CaseloadEntry & CaseloadReferral => referral);
  const groups = groupCaseload(viewer, asCaseload).map((group) => ({
    key: group.key,
    title: group.title,
    count: group.referrals.length,
    referrals: group.referrals.map((referral) => ({
      href: `/workspace/referrals/${referral.referralId}`,
      needs: needsText(referral.needs),
      reference: referral.referralId.slice(0, 8).toUpperCase(),
      practice: practiceText(referral),
      area: referral.area,
      received: dayText(referral.receivedAt),
      urgency: URGENCY_LABELS[referral.urgency] ?? referral.urgency,
      urgent: referral.urgency !== 'routine',
      status: statusTag(referral.status),
      followUp: followUpText(followUpState(viewer, referral)),
    })),
  }));
  return { groups, total: referrals.length };
}

const TASK_STATUS: Record<Task['status'], string> = {
  open: 'Offered, waiting for an answer',
  accepted: 'Accepted',
  declined: 'Declined',
  withdrawn: 'Offer withdrawn',
};

const WITHDRAWN_TEXT: Record<string, string> = {
  'accepted-elsewhere': 'another organisation accepted',
  'removed-by-link-worker': 'removed by the link worker',
  'referral-ended': 'the referral ended',
  'consent-withdrawn': 'consent was withdrawn',
};

const OUTCOME_LABELS: Record<string, string> = Object.fromEntries(OUTCOME_KINDS.map((kind) => [kind.kind, kind.label]));

/** A measure's score as people read it. */
export function scoreText(measure: WellbeingMeasure | string, score: Record<string, number>): string {
  switch (measure) {
    case 'SWEMWBS':
      return `raw score ${score.raw} (7 to 35), metric score ${score.metric}`;
    case 'UCLA3':
      return `total ${score.total} (3 to 9, higher is lonelier)`;
    case 'ONS4':
      return `life satisfaction ${score.lifeSatisfaction}, worthwhile ${score.worthwhile}, happiness ${score.happiness}, anxiety ${score.anxiety} (each 0 to 10)`;
    default:
      return Object.entries(score).map(([key, value]) => `${key} ${value}`).join(', ');
  }
}

/** The referral page for whoever may see it: what they may see, what they may do, and what happened. */
export function referralPage(viewer: Viewer, view: ReferralView, organisationNames: ReadonlyMap<string, string>, today: Date = new Date()) {
  const { referral, access } = view;
  const caseload = referral as ReferralCase & CaseloadReferral;
  const offers = view.tasks
    .filter((task) => task.recipientType === 'organisation' && (access.fullDetails || task.recipientId === viewer.id))
    .map((task) => ({
      name: organisationNames.get(task.recipientId) ?? 'An organisation',
      needs: needsText(task.needs),
      status: TASK_STATUS[task.status] + (task.status === 'withdrawn' && task.withdrawnReason ? `: ${WITHDRAWN_TEXT[task.withdrawnReason] ?? task.withdrawnReason}` : '') + (task.status === 'declined' && task.declineReason ? `: ${task.declineReason.replace(/-/g, ' ')}` : ''),
      followUp: task.status === 'open' ? followUpText(followUpState({ kind: 'organisation', id: task.recipientId }, { ...caseload, tasks: view.tasks })) : undefined,
      offeredBy: task.offeredBy === 'routing' ? 'Routing' : 'Link worker',
    }));
  const details = view.details;
  const person = details
    ? {
        name: `${details.givenName} ${details.familyName}`,
        rows: [
          { key: 'NHS number', value: formatNhsNumber(details.nhsNumber) },
          { key: 'Date of birth', value: dateOfBirthText(details.dateOfBirth, today) },
          ...(details.phone ? [{ key: 'Phone', value: formatPhone(details.phone), href: `tel:${details.phone.replace(/\s/g, '')}` }] : []),
          ...(details.email ? [{ key: 'Email', value: details.email, href: `mailto:${details.email}` }] : []),
          ...(details.postcode ? [{ key: 'Postcode', value: details.postcode }] : []),
          { key: 'Preferred contact', value: details.preferredContactMethod ? CONTACT_METHOD_LABELS[details.preferredContactMethod] : 'Not stated' },
        ],
        notes: details.notes,
        referrer: details.referrer ? [details.referrer.name, details.referrer.professionalRole].filter(Boolean).join(', ') : undefined,
      }
    : undefined;
  const ownTask = access.ownTask;
  return {
    reference: referral.referralId.slice(0, 8).toUpperCase(),
    referralId: referral.referralId,
    status: statusTag(referral.status),
    summary: [
      { key: 'What matters to the person', value: needsText(referral.needs) },
      { key: 'Urgency', value: URGENCY_LABELS[referral.urgency] ?? referral.urgency },
      { key: 'Practice', value: practiceText(referral) },
      ...(referral.area ? [{ key: 'Area', value: referral.area }] : []),
      { key: 'Received', value: dayText(referral.receivedAt) },
      ...(person?.referrer ? [{ key: 'Referred by', value: person.referrer }] : []),
    ],
    person,
    contact: view.contact,
    detailsDeleted: view.detailsDeleted,
    audited: !!(person || view.contact),
    offers,
    ownTaskText: ownTask && viewer.kind === 'organisation' ? TASK_STATUS[ownTask.status] + (ownTask.status === 'withdrawn' ? ': this referral is no longer needed from you' : '') : undefined,
    mayDecide: !!access.openTaskId,
    mayHandOff: access.mayHandOff && !['completed', 'closed'].includes(referral.status),
    mayRecord: access.mayRecord && !['closed'].includes(referral.status),
    counters: { contactAttempts: referral.contactAttempts, sessionsAttended: referral.sessionsAttended, sessionsMissed: referral.sessionsMissed },
    history: [
      ...view.outcomes.map((outcome) => ({
        at: outcome.occurredAt,
        when: dayText(outcome.occurredAt),
        what:
          (OUTCOME_LABELS[outcome.kind] ?? outcome.kind) +
          (outcome.attempts ? ` (${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'})` : '') +
          (outcome.reason ? `: ${CLOSE_REASON_LABELS[outcome.reason] ?? outcome.reason}` : ''),
      })),
      ...view.measures.map((measure) => ({
        at: measure.recordedAt,
        when: dayText(measure.recordedAt),
        what: `${MEASURE_QUESTIONS[measure.measure as WellbeingMeasure]?.title ?? measure.measure} at the ${measure.timepoint}: ${scoreText(measure.measure, measure.score)}`,
      })),
    ]
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map(({ when, what }) => ({ when, what })),
  };
}
