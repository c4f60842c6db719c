import type { TaskStatus } from './task.entity';

/** Who is looking: a link worker or an organisation (its staff sign in on its behalf). */
export interface Viewer {
  kind: 'link-worker' | 'organisation';
  id: string;
}

export interface AccessTask {
  id: string;
  recipientType: 'link-worker' | 'organisation';
  recipientId: string;
  status: TaskStatus;
}

export interface ReferralAccess {
  /** May open the referral at all (it was offered to them, or it is theirs as link worker). */
  canSee: boolean;
  /** The link worker's view: name, NHS number, date of birth, contact details, the GP's notes, referrer. */
  fullDetails: boolean;
  /** The accepting organisation's view: the person's name and the agreed way to contact them, nothing more. */
  contactOnly: boolean;
  /** May record contact, sessions, completion, closure and measures. */
  mayRecord: boolean;
  /** May offer the referral to organisations or take offers back. */
  mayHandOff: boolean;
  /** The viewer's own open task, which they may accept or decline. */
  openTaskId?: string;
  /** The viewer's own task, whatever its state. */
  ownTask?: AccessTask;
}

const NONE: ReferralAccess = { canSee: false, fullDetails: false, contactOnly: false, mayRecord: false, mayHandOff: false };

/**
 * What one person may do with one referral. The referral's link worker (the one routing chose, or one holding a
 * task on it such as the PCN lead) sees everything and may record; an organisation sees only referrals offered
 * to it, sees the person's name and contact only once it accepted, and records only as the accepting organisation.
 */
export function referralAccess(viewer: Viewer, referral: { linkWorkerId: string | null; tasks: readonly AccessTask[] }): ReferralAccess {
  const own = referral.tasks.find((task) => task.recipientType === viewer.kind && task.recipientId === viewer.id);
  if (viewer.kind === 'link-worker') {
    if (referral.linkWorkerId !== viewer.id && !own) return NONE;
    return { canSee: true, fullDetails: true, contactOnly: false, mayRecord: true, mayHandOff: true, openTaskId: own?.status === 'open' ? own.id : undefined, ownTask: own };
  }
  if (!own) return NONE;
  const accepted = own.status === 'accepted';
  return { canSee: true, fullDetails: false, contactOnly: accepted, mayRecord: accepted, mayHandOff: false, openTaskId: own.status === 'open' ? own.id : undefined, ownTask: own };
}
