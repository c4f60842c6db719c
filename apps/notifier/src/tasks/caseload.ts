import type { Viewer } from './access';
import type { TaskStatus } from './task.entity';

export const CASELOAD_GROUPS = [
  { key: 'new', title: 'New' },
  { key: 'overdue', title: 'Overdue' },
  { key: 'waiting', title: 'Waiting on an organisation' },
  { key: 'accepted', title: 'Accepted' },
  { key: 'in-progress', title: 'In progress' },
  { key: 'closed', title: 'Closed' },
] as const;

export type CaseloadGroup = (typeof CASELOAD_GROUPS)[number]['key'];

export interface CaseloadTask {
  recipientType: 'link-worker' | 'organisation';
  recipientId: string;
  status: TaskStatus;
  reminderDueAt: Date | null;
  remindedAt: Date | null;
  escalatedAt: Date | null;
}

export interface CaseloadReferral {
  referralId: string;
  /** The referral's lifecycle status as the notifier knows it. */
  status: string;
  receivedAt: Date;
  tasks: CaseloadTask[];
}

export type FollowUpState =
  | { state: 'none' }
  | { state: 'reminder-due'; at: Date }
  | { state: 'reminded'; at: Date }
  | { state: 'escalated'; at: Date };

const ENDED = new Set(['completed', 'closed', 'cancelled']);
const UNDER_WAY = new Set(['contacted', 'in-progress']);

/**
 * Where a referral sits in one person's caseload. For the link worker: ended → closed; contact made → in
 * progress; an organisation accepted → accepted; open offers → waiting, or overdue once one was reminded;
 * otherwise new. For an organisation, its own offer decides: open → new (overdue once reminded), taken
 * back or declined → closed, accepted → follows the referral.
 */
export function caseloadGroup(viewer: Viewer, referral: CaseloadReferral): CaseloadGroup {
  const ended = ENDED.has(referral.status);
  const underWay = UNDER_WAY.has(referral.status);
  if (viewer.kind === 'organisation') {
    const own = referral.tasks.find((task) => task.recipientType === 'organisation' && task.recipientId === viewer.id);
    if (!own || own.status === 'declined' || own.status === 'withdrawn') return 'closed';
    if (own.status === 'open') return ended ? 'closed' : own.remindedAt ? 'overdue' : 'new';
    return ended ? 'closed' : underWay ? 'in-progress' : 'accepted';
  }
  if (ended) return 'closed';
  if (underWay) return 'in-progress';
  const organisations = referral.tasks.filter((task) => task.recipientType === 'organisation');
  if (organisations.some((task) => task.status === 'accepted')) return 'accepted';
  const open = organisations.filter((task) => task.status === 'open');
  if (open.some((task) => task.remindedAt)) return 'overdue';
  if (open.length > 0) return 'waiting';
  return 'new';
}

/** The furthest follow-up reached on the open offers the viewer cares about (theirs, or all for the link worker). */
export function followUpState(viewer: Viewer, referral: CaseloadReferral): FollowUpState {
  const open = referral.tasks.filter(
    (task) => task.recipientType === 'organisation' && task.status === 'open' && (viewer.kind === 'link-worker' || task.recipientId === viewer.id),
  );
  const latest = (dates: Array<Date | null>) => dates.filter((date): date is Date => !!date).sort((a, b) => b.getTime() - a.getTime())[0];
  const escalated = latest(open.map((task) => task.escalatedAt));
  if (escalated) return { state: 'escalated', at: escalated };
  const reminded = latest(open.map((task) => task.remindedAt));
  if (reminded) return { state: 'reminded', at: reminded };
  const due = open.map((task) => task.reminderDueAt).filter((date): date is Date => !!date).sort((a, b) => a.getTime() - b.getTime())[0];
  return due ? { state: 'reminder-due', at: due } : { state: 'none' };
}

/** The caseload in its groups, in the order they are shown, each newest first. */
export function groupCaseload<T extends CaseloadReferral>(viewer: Viewer, referrals: readonly T[]): Array<{ key: CaseloadGroup; title: string; referrals: T[] }> {
  return CASELOAD_GROUPS.map(({ key, title }) => ({
    key,
    title,
    referrals: referrals.filter((referral) => caseloadGroup(viewer, referral) === key).sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime()),
  }));
}
