import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { EventEnvelope, EventPublisher, EventType, EventTypeName, OutcomeRecordedPayload, ReferralPerson, ReferralReceivedPayload, ServiceName, lifecycleEventOf } from '@app/shared';
import { NotifierEnvironment } from '../environment';
import { AccessTask, ReferralAccess, Viewer, referralAccess } from './access';
import { FollowUps } from './follow-ups';
import { MeasureForm, OutcomeForm, OutcomeKind } from './forms';
import { AgreedContact, PersonDetails, agreedContact, personDetailsFrom } from './person-details';
import { PersonDetailsVault } from './person-details-vault';
import { lifecycleStateOf, transition } from './referral-lifecycle';
import { TasksService } from './tasks.service';
import { ReferralCase, RecordedMeasureRow, RecordedOutcomeRow, TasksStore } from './tasks.store';
import { Task } from './task.entity';

/** The outcome kinds that are lifecycle events; "could not contact" is a note of attempts kept here. */
const OUTCOME_EVENTS: Partial<Record<OutcomeKind, EventTypeName>> = {
  contacted: EventType.ReferralContacted,
  'session-attended': EventType.SessionAttended,
  'did-not-attend': EventType.SessionMissed,
  completed: EventType.ReferralCompleted,
  closed: EventType.ReferralClosed,
};

const KIND_OF_EVENT = Object.fromEntries(Object.entries(OUTCOME_EVENTS).map(([kind, type]) => [type, kind as OutcomeKind])) as Partial<Record<string, OutcomeKind>>;

/** Statuses after which the person's details start their retention clock and open offers are taken back. */
const ENDED = new Set<string>(['completed', 'closed']);

export type RecordResult = { state: 'recorded'; status: string } | { state: 'forbidden' } | { state: 'not-found' } | { state: 'refused'; reason: string };

export interface ReferralView {
  referral: ReferralCase;
  tasks: Task[];
  access: ReferralAccess;
  /** For the link worker: everything. */
  details?: PersonDetails;
  /** For the accepting organisation: the name and how to make contact. */
  contact?: AgreedContact;
  /** The details were deleted (retention ran out, or consent withdrawn). */
  detailsDeleted: boolean;
  outcomes: RecordedOutcomeRow[];
  measures: RecordedMeasureRow[];
}

/**
 * The referral's casework in the notifier: the referral as it stands (from our own pages and from the
 * lifecycle events other services publish), the person's details (sealed, audited on every view, deleted
 * after the referral ends), and what is recorded from the workspace, published in the same transaction.
 */
@Injectable()
export class CaseworkService {
  private readonly logger = new Logger(CaseworkService.name);
  private readonly vault: PersonDetailsVault;

  constructor(
    private readonly store: TasksStore,
    private readonly tasks: TasksService,
    private readonly events: EventPublisher,
    private readonly env: NotifierEnvironment,
  ) {
    this.vault = new PersonDetailsVault(env.PERSON_DETAILS_KEY);
  }

  get retentionMs(): number {
    return this.env.PERSON_DETAILS_RETENTION_MS ?? this.env.PERSON_DETAILS_RETENTION_DAYS * 24 * 3600 * 1000;
  }

  /**
   * Records a routed referral in the routing transaction. The person's details are kept only when a link
   * worker holds the referral (routed, or unrouted to the PCN lead): nobody else could ever be shown them.
   */
  async open(
    manager: EntityManager,
    event: EventEnvelope<typeof EventType.ReferralReceived>,
    person: ReferralPerson,
    decision: { outcome: 'routed' | 'unrouted'; linkWorkerId?: string; area?: string },
    practiceName: string | undefined,
  ): Promise<void> {
    const referral: ReferralReceivedPayload = event.payload;
    await this.store.insertCase(
      manager,
      {
        referralId: event.referralId,
        status: decision.outcome,
        linkWorkerId: decision.linkWorkerId ?? null,
        needs: referral.needs,
        urgency: referral.urgency,
        practiceOdsCode: referral.practiceOdsCode,
        practiceName: practiceName ?? null,
        area: decision.area ?? null,
        receivedAt: new Date(referral.receivedAt),
        correlationId: event.correlationId,
      },
      decision.linkWorkerId ? this.vault.seal(event.referralId, personDetailsFrom(person)) : null,
    );
  }

  /** What the viewer may do with the referral, without reading (or auditing) any personal details. */
  async access(viewer: Viewer, referralId: string): Promise<{ referral: ReferralCase; tasks: Task[]; access: ReferralAccess } | { state: 'forbidden' } | { state: 'not-found' }> {
    const referral = await this.store.findCase(referralId);
    if (!referral) return { state: 'not-found' };
    const tasks = await this.store.tasksOf(referralId);
    const access = referralAccess(viewer, { linkWorkerId: referral.linkWorkerId, tasks });
    return access.canSee ? { referral, tasks, access } : { state: 'forbidden' };
  }

  /**
   * The referral as the viewer may see it. Opening it is what shows identifiable data, so each view of the
   * details (or of the accepting organisation's contact) is audited in the same transaction that reads them.
   */
  async view(viewer: Viewer & { email?: string }, referralId: string): Promise<ReferralView | { state: 'forbidden' } | { state: 'not-found' }> {
    return this.store.transaction(async (manager) => {
      const referral = await this.store.findCase(referralId, manager);
      if (!referral) return { state: 'not-found' as const };
      const tasks = await this.store.tasksOf(referralId, manager);
      const access = referralAccess(viewer, { linkWorkerId: referral.linkWorkerId, tasks: tasks as AccessTask[] });
      if (!access.canSee) return { state: 'forbidden' as const };
      let details: PersonDetails | undefined;
      let detailsDeleted = false;
      if (access.fullDetails || access.contactOnly) {
        const sealed = await this.store.sealedDetails(referralId, manager);
        if (sealed) {
          const opened = this.vault.open(referralId, sealed);
          details = opened;
          await this.store.auditView(manager, referralId, viewer, access.fullDetails ? 'name,nhs-number,date-of-birth,contact,notes,referrer' : 'name,agreed-contact');
        } else {
          detailsDeleted = true;
        }
      }
      return {
        referral,
        tasks,
        access,
        ...(access.fullDetails && details ? { details } : {}),
        ...(access.contactOnly && details ? { contact: agreedContact(details) } : {}),
        detailsDeleted,
        outcomes: await this.store.outcomes(referralId),
        measures: await this.store.measures(referralId),
      };
    });
  }

  /** Records what happened, if the viewer may and the lifecycle allows it, with its event, in one transaction. */
  async recordOutcome(viewer: Viewer, referralId: string, outcome: OutcomeForm): Promise<RecordResult> {
    const result = await this.store.transaction(async (manager) => {
      const referral = await this.store.lockCase(manager, referralId);
      if (!referral) return { result: { state: 'not-found' } as RecordResult };
      const tasks = await this.store.tasksOf(referralId, manager);
      if (!referralAccess(viewer, { linkWorkerId: referral.linkWorkerId, tasks }).mayRecord) return { result: { state: 'forbidden' } as RecordResult };
      const type = OUTCOME_EVENTS[outcome.kind];
      let status = referral.status;
      if (type) {
        const step = transition(lifecycleStateOf(referral, tasks), { type, actor: { kind: viewer.kind, id: viewer.id }, reason: outcome.reason ?? undefined });
        if (!step.allowed) return { result: { state: 'refused', reason: step.reason } as RecordResult };
        status = step.status;
      } else if (!['accepted', 'contacted', 'in-progress'].includes(referral.status) && !(referral.status === 'routed' && viewer.kind === 'link-worker')) {
        return { result: { state: 'refused', reason: `contact attempts cannot be recorded on a ${referral.status} referral` } as RecordResult };
      }
      const recordedBy = { kind: viewer.kind, id: viewer.id };
      const eventId = randomUUID();
      await this.store.insertOutcome(manager, {
        id: eventId,
        referralId,
        kind: outcome.kind,
        occurredAt: outcome.occurredAt,
        reason: outcome.reason,
        attempts: outcome.attempts,
        recordedByKind: viewer.kind,
        recordedById: viewer.id,
      });
      const followUps = await this.applyOutcome(manager, referral, outcome.kind, status, outcome);
      if (type) {
        const payload: OutcomeRecordedPayload = {
          recordedBy,
          occurredAt: outcome.occurredAt.toISOString(),
          ...(viewer.kind === 'organisation' ? { organisationId: viewer.id } : {}),
          ...(outcome.reason ? { reason: outcome.reason } : {}),
        };
        await this.events.publish(manager, type as typeof EventType.ReferralContacted, { referralId, correlationId: referral.correlationId ?? undefined, payload, occurredAt: outcome.occurredAt });
      }
      return { result: { state: 'recorded', status } as RecordResult, followUps };
    });
    if (result.followUps) await this.tasks.start(result.followUps);
    return result.result;
  }

  async recordMeasure(viewer: Viewer, referralId: string, measure: MeasureForm): Promise<RecordResult & { measureId?: string }> {
    return this.store.transaction(async (manager) => {
      const referral = await this.store.lockCase(manager, referralId);
      if (!referral) return { state: 'not-found' };
      const tasks = await this.store.tasksOf(referralId, manager);
      if (!referralAccess(viewer, { linkWorkerId: referral.linkWorkerId, tasks }).mayRecord) return { state: 'forbidden' };
      const step = transition(lifecycleStateOf(referral, tasks), { type: EventType.MeasureRecorded, actor: { kind: viewer.kind, id: viewer.id } });
      if (!step.allowed) return { state: 'refused', reason: step.reason };
      const measureId = randomUUID();
      const recordedBy = { kind: viewer.kind, id: viewer.id };
      await this.store.insertMeasure(manager, { id: measureId, referralId, ...measure, recordedByKind: viewer.kind, recordedById: viewer.id });
      await this.events.publish(manager, EventType.MeasureRecorded, {
        referralId,
        correlationId: referral.correlationId ?? undefined,
        payload: { measureId, measure: measure.measure, timepoint: measure.timepoint, items: measure.items, score: measure.score, recordedAt: measure.recordedAt.toISOString(), recordedBy },
      });
      return { state: 'recorded', status: referral.status, measureId };
    });
  }

  /**
   * A lifecycle event another service published (outcomes' recording API, an organisation's own system).
   * Our own come back too and were applied when recorded: they are skipped. The inbox makes each event count
   * once; an event the lifecycle refuses changes nothing here either.
   */
  async applyLifecycleEvent(manager: EntityManager, event: EventEnvelope): Promise<FollowUps | undefined> {
    if (event.source === ServiceName.Notifier) return undefined;
    const referral = await this.store.lockCase(manager, event.referralId);
    if (!referral) return undefined;
    if (event.type === EventType.MeasureRecorded) {
      const payload = event.payload as EventEnvelope<typeof EventType.MeasureRecorded>['payload'];
      await this.store.insertMeasure(manager, {
        id: payload.measureId,
        referralId: event.referralId,
        measure: payload.measure,
        timepoint: payload.timepoint,
        items: payload.items,
        score: payload.score,
        recordedByKind: payload.recordedBy.kind,
        recordedById: payload.recordedBy.id,
        recordedAt: new Date(payload.recordedAt),
      });
      return undefined;
    }
    const kind = KIND_OF_EVENT[event.type];
    if (!kind) return undefined;
    const payload = event.payload as OutcomeRecordedPayload;
    const tasks = await this.store.tasksOf(event.referralId, manager);
    const step = transition(lifecycleStateOf(referral, tasks), { type: event.type, actor: lifecycleEventOf(event).actor, reason: payload.reason });
    if (!step.allowed) {
      this.logger.warn({ referralId: event.referralId, eventId: event.id, type: event.type, status: referral.status }, `Lifecycle event not applied: ${step.reason}`);
      return undefined;
    }
    const occurredAt = new Date(payload.occurredAt ?? event.occurredAt);
    await this.store.insertOutcome(manager, {
      id: event.id,
      referralId: event.referralId,
      kind,
      occurredAt,
      reason: payload.reason ?? null,
      attempts: null,
      recordedByKind: payload.recordedBy?.kind ?? 'organisation',
      recordedById: payload.recordedBy?.id ?? payload.organisationId ?? '00000000-0000-0000-0000-000000000000',
    });
    return this.applyOutcome(manager, referral, kind, step.status, { occurredAt, attempts: null, reason: payload.reason ?? null });
  }

  /** The referral's counters and status after an outcome; an ending takes back open offers and starts retention. */
  private async applyOutcome(manager: EntityManager, referral: ReferralCase, kind: OutcomeKind, status: string, outcome: Pick<OutcomeForm, 'occurredAt' | 'attempts' | 'reason'>): Promise<FollowUps> {
    const now = new Date();
    const patch: Partial<ReferralCase> = {};
    if (status !== referral.status) Object.assign(patch, { status, statusChangedAt: now });
    if (kind === 'could-not-contact') patch.contactAttempts = referral.contactAttempts + (outcome.attempts ?? 1);
    if (kind === 'session-attended') patch.sessionsAttended = referral.sessionsAttended + 1;
    if (kind === 'did-not-attend') patch.sessionsMissed = referral.sessionsMissed + 1;
    if (kind === 'closed') Object.assign(patch, { closedAt: outcome.occurredAt, closeReason: outcome.reason ?? 'completed' });
    await this.store.updateCase(manager, referral.referralId, patch);
    if (!ENDED.has(status) || ENDED.has(referral.status)) return new FollowUps();
    return this.end(manager, referral.referralId, 'referral-ended', now);
  }

  /**
   * The referral ended: every open offer is taken back (recipients told, links stop, reminders stop), and the
   * person's details are deleted once the retention period has passed.
   */
  async end(manager: EntityManager, referralId: string, reason: 'referral-ended' | 'consent-withdrawn', at: Date = new Date()): Promise<FollowUps> {
    const open = (await this.store.tasksOf(referralId, manager)).filter((task) => task.status === 'open');
    const { followUps } = await this.tasks.withdraw(manager, open, reason);
    if (reason === 'consent-withdrawn') await this.store.deleteDetails(manager, referralId);
    else await this.store.scheduleDetailsDeletion(manager, referralId, new Date(at.getTime() + this.retentionMs));
    return followUps;
  }

  /** A cancellation or consent withdrawal from the GP system: the case ends whatever state it was in. */
  async stop(manager: EntityManager, event: EventEnvelope): Promise<FollowUps> {
    const withdrawn = event.type === EventType.ReferralConsentWithdrawn;
    const at = new Date(event.occurredAt);
    // The event transport holds the referral's lock since the claim (NOTIFIER_REFERRAL_LOCK_SPACE): a referral.received
    // is either routed and committed (its case is found here) or not yet handled (it will find ended_before_routing).
    if (await this.store.lockCase(manager, event.referralId)) {
      await this.store.updateCase(manager, event.referralId, { status: withdrawn ? 'consent-withdrawn' : 'cancelled', statusChangedAt: at });
    } else {
      // Heard before the referral.received it follows: routing, when that arrives, offers it to no one.
      await this.store.recordEndedBeforeRouting(manager, event.referralId, event.type, at);
    }
    return this.end(manager, event.referralId, withdrawn ? 'consent-withdrawn' : 'referral-ended', at);
  }

  /**
   * True if the GP system already ended the referral (a cancellation or withdrawal that arrived first), in
   * which case it must be offered to no one. The caller holds the referral's lock (the event transport takes
   * it with the claim) and this read is a statement of its own after it, so it sees what the lock's previous
   * holder committed.
   */
  async endedBeforeRouting(manager: EntityManager, referralId: string): Promise<boolean> {
    return (await this.store.endedBeforeRouting(manager, referralId)) !== undefined;
  }

  /** Deletes the details whose retention ran out. */
  async deleteExpiredDetails(now: Date = new Date()): Promise<number> {
    const deleted = await this.store.deleteExpiredDetails(now);
    if (deleted.length > 0) this.logger.log({ count: deleted.length }, 'Deleted the details of people whose referrals ended');
    return deleted.length;
  }
}
