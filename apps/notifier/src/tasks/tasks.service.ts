import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { EventPublisher, EventType, ReferralDecisionPayload, ReferralOfferPayload } from '@app/shared';
import { NotificationInput, NotificationsService, QueuedNotification } from '../delivery/notifications.service';
import { NotificationKind } from '../delivery/notification.entities';
import { DirectoryContact, DirectoryStore } from '../directory/directory.store';
import { RemindersService } from './reminders.service';
import type { Viewer } from './access';
import { FollowUps } from './follow-ups';
import { offersMadeRedundant, planHandOff } from './offers';
import { lifecycleStateOf, transition } from './referral-lifecycle';
import { ReferralCase, TasksStore } from './tasks.store';
import { Task, TaskSummary, WithdrawnReason } from './task.entity';

export type DecisionInput = { decision: 'accept' } | { decision: 'decline'; reason: string; reasonText?: string };

export type DecisionResult =
  | { state: 'unknown-task' }
  | { state: 'recorded'; task: Task; withdrawn: Task[] }
  /** Already decided, or taken back (withdrawn): nothing changed. */
  | { state: 'not-open'; task: Task };

export interface OfferRecipient {
  recipientType: 'link-worker' | 'organisation';
  recipientId: string;
  reason: string;
  needs: string[];
}

/**
 * A task's whole life: offered (by routing or by the link worker's hand-off), decided (one-click link or
 * workspace), withdrawn (another organisation accepted, the link worker took it back, the referral ended),
 * reminded and escalated (RemindersService fires what is scheduled here). Every change and what follows from
 * it (the decision event, the emails, the other offers taken back) commit in one transaction.
 */
@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);

  constructor(
    private readonly store: TasksStore,
    private readonly events: EventPublisher,
    private readonly notifications: NotificationsService,
    private readonly reminders: RemindersService,
    private readonly directory: DirectoryStore,
  ) {}

  /** Starts what the committed change implies. A failure here only delays it: the sweepers find the rows. */
  async start(followUps: FollowUps): Promise<void> {
    await this.notifications.enqueue(followUps.notifications);
    await this.reminders.schedule(followUps.reminders);
    await this.reminders.cancel(followUps.cancelledReminders);
  }

  /**
   * Offers the referral to each recipient (once each), with its notification and, for organisations, a
   * reminder. Recipients whose contact details the caller already read in this transaction are not read again.
   */
  async offer(
    manager: EntityManager,
    referral: { referralId: string; correlationId: string | null; summary: TaskSummary },
    recipients: OfferRecipient[],
    offeredBy: string,
    contacts: DirectoryContact[] = [],
  ): Promise<{ tasks: Task[]; followUps: FollowUps }> {
    const followUps = new FollowUps();
    const now = new Date();
    const tasks = await this.store.insertTasks(
      manager,
      recipients.map((recipient) => ({
        id: randomUUID(),
        referralId: referral.referralId,
        recipientType: recipient.recipientType,
        recipientId: recipient.recipientId,
        reason: recipient.reason,
        status: 'open',
        summary: referral.summary,
        needs: recipient.needs,
        offeredBy,
        reminderDueAt: recipient.recipientType === 'organisation' ? this.reminders.reminderDue(now) : null,
        correlationId: referral.correlationId,
      })),
    );
    for (const task of tasks) {
      if (task.reminderDueAt) followUps.reminders.push({ taskId: task.id, stage: 'reminder', dueAt: task.reminderDueAt, correlationId: task.correlationId });
    }
    followUps.notifications.push(
      ...(await this.notify(manager, tasks.map((task) => ({ task, kind: 'task', to: { recipientType: task.recipientType, recipientId: task.recipientId } })), contacts)),
    );
    return { tasks, followUps };
  }

  /**
   * Records an accept or decline once. With it, in the same transaction: the decision event; for an
   * organisation's decision, an email to the link worker; for an acceptance, the other organisations offered
   * the same needs are told it is no longer needed, their links stop and their reminders go.
   */
  async decide(taskId: string, input: DecisionInput): Promise<DecisionResult> {
    const known = await this.store.findTask(taskId);
    if (!known) return { state: 'unknown-task' };
    const outcome = await this.store.transaction(async (manager) => {
      // The referral first, then its tasks: every path that changes a referral's tasks locks in this order.
      const referral = await this.store.lockCase(manager, known.referralId);
      const task = await this.store.lockTask(manager, taskId);
      if (!task) return { result: { state: 'unknown-task' } as DecisionResult, followUps: new FollowUps() };
      if (task.status !== 'open') return { result: { state: 'not-open', task } as DecisionResult, followUps: new FollowUps() };
      return this.recordDecision(manager, referral, task, input);
    });
    await this.start(outcome.followUps);
    return outcome.result;
  }

  private async recordDecision(manager: EntityManager, referral: ReferralCase | undefined, task: Task, input: DecisionInput): Promise<{ result: DecisionResult; followUps: FollowUps }> {
    const followUps = new FollowUps();
    const decidedAt = new Date();
    const status = input.decision === 'accept' ? 'accepted' : 'declined';
    const reason = input.decision === 'decline' ? input.reason : null;
    const reasonText = input.decision === 'decline' && input.reasonText ? input.reasonText.slice(0, 500) : null;
    await this.store.decideTask(manager, task.id, { status, decidedAt, declineReason: reason, declineText: reasonText });
    const decided: Task = { ...task, status, decidedAt, declineReason: reason, declineText: reasonText };
    followUps.cancelledReminders.push(task.id);

    const type = status === 'accepted' ? EventType.ReferralAccepted : EventType.ReferralDeclined;
    if (referral) {
      // The one lifecycle decides: a decline after another organisation accepted leaves the status as it is.
      // The lifecycle sees the offers as they stood before this decision.
      const offers = (await this.store.tasksOf(referral.referralId, manager)).map((other) => (other.id === task.id ? { ...other, status: 'open' as const } : other));
      const step = transition(lifecycleStateOf(referral, offers), { type, actor: { kind: task.recipientType, id: task.recipientId }, reason: reason ?? undefined });
      if (step.allowed && step.status !== referral.status) await this.store.updateCase(manager, referral.referralId, { status: step.status, statusChangedAt: decidedAt });
      if (status === 'accepted' && task.recipientType === 'organisation' && !referral.acceptedOrganisationId) {
        await this.store.updateCase(manager, referral.referralId, { acceptedOrganisationId: task.recipientId });
      }
    }
    const payload: ReferralDecisionPayload = {
      recipientType: task.recipientType,
      recipientId: task.recipientId,
      ...(task.recipientType === 'organisation' ? { organisationId: task.recipientId } : {}),
      decidedAt: decidedAt.toISOString(),
      ...(reason ? { reason } : {}),
      ...(reasonText ? { reasonText } : {}),
    };
    await this.events.publish(manager, type, { referralId: task.referralId, correlationId: task.correlationId ?? undefined, payload });

    const withdrawn: Task[] = [];
    if (task.recipientType === 'organisation') {
      followUps.notifications.push(...(await this.tellLinkWorker(manager, referral, decided, 'decision')));
      if (status === 'accepted') {
        const tasks = (await this.store.tasksOf(task.referralId, manager)).map((candidate) => (candidate.id === task.id ? decided : candidate));
        const redundant = offersMadeRedundant(tasks, referral?.needs ?? task.summary.needs);
        const taken = await this.withdraw(manager, tasks.filter((candidate) => redundant.some((offer) => offer.id === candidate.id)), 'accepted-elsewhere');
        withdrawn.push(...taken.tasks);
        followUps.add(taken.followUps);
      }
    }
    return { result: { state: 'recorded', task: decided, withdrawn }, followUps };
  }

  /**
   * Takes open offers back: the organisation is told it is no longer needed (by email), its link then says
   * so, and its reminders stop (the jobs are removed, and a job that fires anyway finds the task withdrawn).
   */
  async withdraw(
    manager: EntityManager,
    tasks: Task[],
    reason: WithdrawnReason,
    options: { tell?: boolean; by?: ReferralOfferPayload['by'] } = {},
  ): Promise<{ tasks: Task[]; followUps: FollowUps }> {
    const followUps = new FollowUps();
    const at = new Date();
    const ids = await this.store.withdrawTasks(manager, tasks.filter((task) => task.status === 'open').map((task) => task.id), reason, at);
    const withdrawn = tasks.filter((task) => ids.includes(task.id)).map((task): Task => ({ ...task, status: 'withdrawn', withdrawnAt: at, withdrawnReason: reason }));
    await this.publishOffers(manager, EventType.ReferralOfferWithdrawn, withdrawn, options.by ?? { kind: 'routing' }, reason);
    followUps.cancelledReminders.push(...withdrawn.map((task) => task.id));
    if (options.tell !== false) {
      const told = withdrawn.filter((task) => task.recipientType === 'organisation');
      followUps.notifications.push(
        ...(await this.notify(manager, told.map((task) => ({ task, kind: 'withdrawn', to: { recipientType: 'organisation', recipientId: task.recipientId }, channels: ['email'] })))),
      );
    }
    return { tasks: withdrawn, followUps };
  }

  /**
   * The link worker's hand-off: the organisations ticked should hold an offer. New ones are offered (with
   * the needs each meets), open offers no longer ticked are withdrawn.
   */
  async handOff(
    viewer: Viewer,
    referralId: string,
    chosen: Array<{ organisationId: string; needs: string[] }>,
  ): Promise<{ offered: Task[]; withdrawn: Task[] } | undefined> {
    const outcome = await this.store.transaction(async (manager) => {
      const referral = await this.store.lockCase(manager, referralId);
      if (!referral) return undefined;
      const tasks = await this.store.tasksOf(referralId, manager);
      const plan = planHandOff(tasks, chosen.map((choice) => choice.organisationId));
      const summary = tasks[0]?.summary ?? { needs: referral.needs, urgency: referral.urgency as TaskSummary['urgency'], practiceOdsCode: referral.practiceOdsCode, receivedAt: referral.receivedAt.toISOString() };
      const offered = await this.offer(
        manager,
        { referralId, correlationId: referral.correlationId, summary },
        plan.offer.map((organisationId) => ({
          recipientType: 'organisation',
          recipientId: organisationId,
          reason: 'handed-off-by-link-worker',
          needs: chosen.find((choice) => choice.organisationId === organisationId)?.needs ?? referral.needs,
        })),
        `link-worker:${viewer.id}`,
      );
      await this.publishOffers(manager, EventType.ReferralOffered, offered.tasks, { kind: 'link-worker', id: viewer.id }, 'handed-off-by-link-worker');
      const withdrawn = await this.withdraw(manager, tasks.filter((task) => plan.withdraw.some((offer) => offer.id === task.id)), 'removed-by-link-worker', {
        by: { kind: 'link-worker', id: viewer.id },
      });
      return { offered: offered.tasks, withdrawn: withdrawn.tasks, followUps: new FollowUps().add(offered.followUps).add(withdrawn.followUps) };
    });
    if (!outcome) return undefined;
    await this.start(outcome.followUps);
    return { offered: outcome.offered, withdrawn: outcome.withdrawn };
  }

  /** Tells intake and outcomes who now holds an offer, so every service agrees who may accept. */
  private async publishOffers(
    manager: EntityManager,
    type: typeof EventType.ReferralOffered | typeof EventType.ReferralOfferWithdrawn,
    tasks: Task[],
    by: ReferralOfferPayload['by'],
    reason: string,
  ): Promise<void> {
    if (tasks.length === 0) return;
    const { referralId, correlationId } = tasks[0];
    const recipients = tasks.map((task) => ({ recipientType: task.recipientType, recipientId: task.recipientId }));
    await this.events.publish(manager, type, { referralId, correlationId: correlationId ?? undefined, payload: { recipients, by, reason } });
  }

  /** By email only: the SMS template announces new referrals, not answers. */
  private async tellLinkWorker(manager: EntityManager, referral: ReferralCase | undefined, task: Task, kind: NotificationKind) {
    if (!referral?.linkWorkerId) return [];
    return this.notify(manager, [{ task, kind, to: { recipientType: 'link-worker', recipientId: referral.linkWorkerId }, channels: ['email'] }]);
  }

  /**
   * Records each task's notification to its recipient (on the given channels, else the recipient's own). The
   * recipients not among the known contacts are read in one statement.
   */
  private async notify(
    manager: EntityManager,
    items: Array<{ task: Task; kind: NotificationKind; to: { recipientType: 'link-worker' | 'organisation'; recipientId: string }; channels?: string[] }>,
    known: DirectoryContact[] = [],
  ): Promise<QueuedNotification[]> {
    if (items.length === 0) return [];
    const isKnown = (to: { recipientType: string; recipientId: string }) => known.some((contact) => contact.recipientType === to.recipientType && contact.id === to.recipientId);
    const unknown = items.map((item) => item.to).filter((to) => !isKnown(to));
    const recipients = [...known, ...(unknown.length > 0 ? await this.directory.recipients(manager, unknown) : [])];
    const inputs: NotificationInput[] = [];
    for (const { task, kind, to, channels } of items) {
      const recipient = recipients.find((candidate) => candidate.recipientType === to.recipientType && candidate.id === to.recipientId);
      if (!recipient) {
        this.logger.warn({ referralId: task.referralId, taskId: task.id, kind }, 'Recipient is no longer in the directory; nothing sent');
        continue;
      }
      inputs.push({
        referralId: task.referralId,
        taskId: task.id,
        kind,
        recipientType: to.recipientType,
        recipient: channels ? { ...recipient, channels } : recipient,
        correlationId: task.correlationId,
      });
    }
    return this.notifications.createForTasks(manager, inputs);
  }
}
