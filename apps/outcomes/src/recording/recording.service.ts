import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EventPublisher, EventType, EventTypeName, FieldProblem, LifecycleState, ProblemException, PublishInput, checkLifecycleEvent, mayRecord, offerTo, problem } from '@app/shared';
import { LifecycleStore, StoredMeasure } from '../lifecycle/lifecycle.store';
import { ReferralProjection, lifecycleOf, project } from '../lifecycle/projector';
import { validateMeasure } from '@app/shared';
import { OUTCOME_EVENTS, validateOutcome } from './outcome-input';
import { Recorder } from './recorders';
import { EarlierAnswer, RecordingStore } from './recording.store';

export interface RecordedOutcome {
  eventId: string;
  referralId: string;
  type: string;
  status: string | null;
}

export interface RecordedMeasure extends RecordedOutcome {
  measureId: string;
  measure: string;
  timepoint: string;
  score: Record<string, number>;
}

export interface RecorderView {
  referralId: string;
  status: string | null;
  needs: string[];
  urgency: string | null;
  receivedAt: Date | null;
  acceptedAt: Date | null;
  firstContactAt: Date | null;
  sessionsAttended: number;
  sessionsMissed: number;
  completedAt: Date | null;
  closedAt: Date | null;
  closeReason: string | null;
  measures: StoredMeasure[];
}

function invalid(problems: FieldProblem[]): ProblemException {
  return new ProblemException(problem(400, 'The request is invalid; nothing was recorded.', { errors: problems }));
}

/**
 * Records outcomes and measures from organisations and link workers. Each is checked against the
 * referral's state machine, then stored in the event store and published through the outbox in one
 * transaction; when the event comes back on our own queue, the store already has it and nothing changes.
 */
@Injectable()
export class RecordingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: LifecycleStore,
    private readonly events: EventPublisher,
    private readonly recordings: RecordingStore,
  ) {}

  async recordOutcome(recorder: Recorder, referralId: string, body: unknown, manager?: EntityManager, allowedFields?: string[]): Promise<RecordedOutcome> {
    const result = validateOutcome(body, new Date(), allowedFields);
    if ('problems' in result) throw invalid(result.problems);
    const { outcome } = result;
    const type = OUTCOME_EVENTS[outcome.type];
    return this.inTransaction(manager, async (tx) => {
      const { referral, lifecycle } = await this.assigned(tx, recorder, referralId);
      this.assertAllowed(lifecycle, recorder, type, outcome.reason ?? undefined);
      this.assertAfterReceipt(referral, outcome.occurredAt, '/occurredAt');
      const recordedBy = { kind: recorder.kind, id: recorder.id };
      const organisationId = recorder.kind === 'organisation' ? recorder.id : undefined;
      const payload = { recordedBy, occurredAt: outcome.occurredAt.toISOString(), ...(organisationId ? { organisationId } : {}), ...(outcome.reason ? { reason: outcome.reason } : {}) };
      const stored = await this.append(tx, type, { referralId, payload } as PublishInput<typeof type>);
      return { eventId: stored.eventId, referralId, type, status: stored.status };
    });
  }

  async recordMeasure(recorder: Recorder, referralId: string, body: unknown, manager?: EntityManager): Promise<RecordedMeasure> {
    const result = validateMeasure(body);
    if ('problems' in result) throw invalid(result.problems);
    const { measure } = result;
    return this.inTransaction(manager, async (tx) => {
      const { referral, lifecycle } = await this.assigned(tx, recorder, referralId);
      this.assertAllowed(lifecycle, recorder, EventType.MeasureRecorded);
      this.assertAfterReceipt(referral, measure.recordedAt, '/recordedAt');
      const measureId = randomUUID();
      const stored = await this.append(tx, EventType.MeasureRecorded, {
        referralId,
        payload: {
          measureId,
          measure: measure.measure,
          timepoint: measure.timepoint,
          items: measure.items,
          score: measure.score,
          recordedAt: measure.recordedAt.toISOString(),
          recordedBy: { kind: recorder.kind, id: recorder.id },
        },
      });
      return { eventId: stored.eventId, referralId, type: EventType.MeasureRecorded, status: stored.status, measureId, measure: measure.measure, timepoint: measure.timepoint, score: measure.score };
    });
  }

  /**
   * An organisation's signed webhook: an outcome, or a measure when its type is "measure". Recorded once per
   * webhook-id, in the same transaction as the receipt, so a retry gets the first answer again.
   */
  async recordWebhook(organisation: Recorder, webhookId: string, referralId: string, fields: Record<string, unknown>): Promise<EarlierAnswer> {
    return this.dataSource.transaction(async (manager) => {
      const earlier = await this.recordings.claimWebhook(manager, organisation.id, webhookId);
      if (earlier) return earlier;
      const result =
        fields.type === 'measure' ? await this.recordMeasure(organisation, referralId, fields, manager) : await this.recordOutcome(organisation, referralId, fields, manager);
      const answer = { status: 201, response: result };
      await this.recordings.answerWebhook(manager, organisation.id, webhookId, answer);
      return answer;
    });
  }

  /** What a recorder may read back about a referral tasked to them: its lifecycle and measures, no identifiers. */
  async view(recorder: Recorder, referralId: string): Promise<RecorderView> {
    return this.dataSource.transaction(async (manager) => {
      const { referral } = await this.assigned(manager, recorder, referralId);
      const measures = await this.store.measures(manager, referralId);
      return {
        referralId,
        status: referral.status,
        needs: referral.needs,
        urgency: referral.urgency,
        receivedAt: referral.receivedAt,
        acceptedAt: referral.acceptedAt,
        firstContactAt: referral.firstContactAt,
        sessionsAttended: referral.sessionsAttended,
        sessionsMissed: referral.sessionsMissed,
        completedAt: referral.completedAt,
        closedAt: referral.closedAt,
        closeReason: referral.closeReason,
        measures,
      };
    });
  }

  private inTransaction<T>(manager: EntityManager | undefined, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return manager ? work(manager) : this.dataSource.transaction(work);
  }

  /**
   * The referral as its link worker or an organisation it was offered to may see it. Unknown referrals and
   * referrals never offered to the caller look the same: 404, so ids cannot be probed.
   */
  private async assigned(manager: EntityManager, recorder: Recorder, referralId: string): Promise<{ referral: ReferralProjection; lifecycle: LifecycleState }> {
    await this.store.lockReferral(manager, referralId);
    const events = await this.store.events(manager, referralId);
    const lifecycle = lifecycleOf(events).state;
    if (events.length === 0 || !(mayRecord(lifecycle, recorder) || offerTo(lifecycle, recorder))) {
      throw new ProblemException(problem(404, `No referral ${referralId} is tasked to this ${recorder.kind}.`));
    }
    return { referral: project(referralId, events).referral, lifecycle };
  }

  /** The shared lifecycle decides: 403 when this recorder may not record it (an organisation that did not accept), 409 when not now. */
  private assertAllowed(lifecycle: LifecycleState, recorder: Recorder, type: EventTypeName, reason?: string): void {
    const step = checkLifecycleEvent(lifecycle, { type, actor: recorder, ...(reason ? { reason } : {}) });
    if (!step.allowed) {
      const status = step.refusal === 'not-permitted' ? 403 : 409;
      throw new ProblemException(problem(status, `Not recorded: ${step.reason}.`, { referralStatus: lifecycle.status }));
    }
  }

  private assertAfterReceipt(referral: ReferralProjection, at: Date, pointer: string): void {
    if (referral.receivedAt && at < referral.receivedAt) {
      throw invalid([{ pointer, detail: `must not be before the referral was received (${referral.receivedAt.toISOString()})` }]);
    }
  }

  private async append<T extends EventTypeName>(manager: EntityManager, type: T, input: PublishInput<T>): Promise<{ eventId: string; status: string | null }> {
    const envelope = await this.events.publish(manager, type, input);
    const { status } = await this.store.ingest(manager, envelope);
    return { eventId: envelope.id, status };
  }
}
