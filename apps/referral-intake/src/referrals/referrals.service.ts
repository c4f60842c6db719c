import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EventPublisher, EventSealer, EventType, ProblemDetails, ProblemException, applyLifecycleEvent, checkLifecycleEvent, correlationIdOrNew, problem, sealReceivedPayload } from '@app/shared';
import { Sender } from '../senders/sender.entity';
import { referralLifecycle } from '../status/status-transitions';
import { canonicalJson } from './canonical-json';
import { IdempotencyStore, RequestKey, StoredResponse, requestHash } from './idempotency';
import { referralTask, taskSourceOf } from './fhir/fhir-task';
import { IncomingReferral } from './incoming-referral';
import { CancelRequest, ConsentWithdrawal } from './referral-changes';
import { Validated } from './referral-input';
import { Referral } from './referral';
import { NewReferral, ReferralSelector, ReferralStore } from './referral.store';

export interface Submission {
  response: StoredResponse;
  replayed: boolean;
}

export type BatchItemResult =
  | { index: number; status: 202; referralId: string; statusUrl: string; senderReferralId?: string; duplicate: boolean }
  | { index: number; status: 403 | 422; senderReferralId?: string; problem: ProblemDetails };

type Stored = { kind: 'accepted' | 'duplicate'; referralId: string } | { kind: 'mismatch'; referralId: string };

export function statusUrl(referralId: string): string {
  return `/v1/referrals/${referralId}`;
}

function acceptedBody(referralId: string) {
  return { referralId, status: 'received', statusUrl: statusUrl(referralId) };
}

export type { ReferralSelector } from './referral.store';

function changedBody(referralId: string, status: string) {
  return { referralId, status, statusUrl: statusUrl(referralId) };
}

function notServed(sender: Sender, practice: string): string {
  return `sender ${sender.id} is not registered to refer for practice ${practice}`;
}

function senderReferralIdReused(): string {
  return 'senderReferralId was already used by this sender for a different referral';
}

@Injectable()
export class ReferralsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly referrals: ReferralStore,
    private readonly events: EventPublisher,
    private readonly idempotency: IdempotencyStore,
    private readonly sealer: EventSealer,
  ) {}

  /**
   * One referral: refused before anything is written when the sender does not serve the practice; a
   * key seen before replays its first response; otherwise the referral, its referral.received event and
   * the keys' response commit together.
   */
  async submit(sender: Sender, item: IncomingReferral, keys: RequestKey[], hash: string): Promise<Submission> {
    if (!sender.practiceOdsCodes.includes(item.input.practiceOdsCode)) {
      throw new ProblemException(problem(403, notServed(sender, item.input.practiceOdsCode)));
    }
    // Nearly every referral is new: its keys are claimed already answered, which saves a write.
    const referralId = randomUUID();
    const presumed: StoredResponse = { status: 202, body: acceptedBody(referralId) };
    // The usual case in one statement; a held key, a replay or a senderReferralId sent before take the full path.
    const { referral, event } = this.accepted(sender, item, referralId);
    const claim = { statement: this.idempotency.claimStatement(sender.id, keys, hash, presumed), keys: keys.length };
    const { insert } = this.events.outboxRow(EventType.ReferralReceived, event);
    if (await this.referrals.insertClaimedWithEvent(claim, referral, insert, this.events.channel)) return { response: presumed, replayed: false };
    return this.withKeys(
      sender,
      keys,
      hash,
      async (manager) => {
        const stored = await this.store(manager, sender, item, referralId);
        if (stored.kind === 'mismatch') {
          throw new ProblemException(problem(422, senderReferralIdReused(), { errors: [{ pointer: '/senderReferralId', detail: senderReferralIdReused() }] }));
        }
        const response = stored.kind === 'accepted' ? presumed : { status: 202, body: acceptedBody(stored.referralId) };
        return { response, replayed: stored.kind === 'duplicate', stored: stored.kind === 'accepted' };
      },
      presumed,
    );
  }

  /** Up to 1,000 referrals, each answered on its own; the batch's keys replay the whole answer. */
  async submitBatch(sender: Sender, items: Array<Validated<IncomingReferral>>, keys: RequestKey[], hash: string): Promise<Submission> {
    return this.withKeys(sender, keys, hash, async (manager) => {
      const results: BatchItemResult[] = [];
      for (const [index, item] of items.entries()) {
        if (!item.ok) {
          results.push({ index, status: 422, problem: problem(422, 'The referral was refused: see errors', { errors: item.errors }) });
          continue;
        }
        const { senderReferralId, practiceOdsCode } = item.value.input;
        const id = senderReferralId ? { senderReferralId } : {};
        if (!sender.practiceOdsCodes.includes(practiceOdsCode)) {
          results.push({ index, status: 403, ...id, problem: problem(403, notServed(sender, practiceOdsCode)) });
          continue;
        }
        const stored = await this.store(manager, sender, item.value);
        if (stored.kind === 'mismatch') {
          results.push({ index, status: 422, ...id, problem: problem(422, senderReferralIdReused()) });
        } else {
          results.push({ index, status: 202, referralId: stored.referralId, statusUrl: statusUrl(stored.referralId), ...id, duplicate: stored.kind === 'duplicate' });
        }
      }
      const accepted = results.filter((result) => result.status === 202).length;
      const body = { accepted, refused: results.length - accepted, results };
      return { response: { status: 200, body }, replayed: false, stored: results.some((result) => result.status === 202 && !result.duplicate) };
    });
  }

  /** The referral as a FHIR Task, if this sender sent it. */
  async taskForSender(id: string, senderId: string): Promise<Record<string, unknown> | undefined> {
    const referral = await this.referrals.findForSender(id, senderId);
    if (!referral) return undefined;
    const history = await this.referrals.history(id);
    const { state } = referralLifecycle(referral, history);
    return referralTask(taskSourceOf(referral, history, state));
  }

  async getForSender(id: string, senderId: string): Promise<Referral> {
    const referral = await this.referrals.findForSender(id, senderId);
    if (!referral) throw new NotFoundException(`Referral ${id} not found`);
    return referral;
  }

  /**
   * Cancels a referral its sender sent: refused once it has ended (the shared lifecycle says when); a
   * referral already cancelled is answered as it was. The cancellation and its event commit together.
   */
  async cancel(sender: Sender, which: ReferralSelector, request: CancelRequest, keys: RequestKey[], hash: string): Promise<Submission> {
    return this.withKeys(sender, keys, hash, async (manager) => {
      const referral = await this.lockForSender(manager, sender, which);
      if (referral.cancelledAt) return { response: { status: 200, body: changedBody(referral.id, 'cancelled') }, replayed: false, stored: true };
      const { state } = referralLifecycle(referral, await this.referrals.history(referral.id, manager));
      const check = checkLifecycleEvent(state, { type: EventType.ReferralCancelled, actor: { kind: 'sender' }, reason: request.reason });
      if (!check.allowed) throw new ProblemException(problem(409, `Referral ${referral.id} cannot be cancelled: it is ${state.status ?? referral.status}`));
      const cancelledAt = new Date();
      await this.referrals.markCancelled(manager, referral.id, cancelledAt, request.reason);
      await this.events.publish(manager, EventType.ReferralCancelled, {
        referralId: referral.id,
        correlationId: referral.correlationId,
        payload: { reason: request.reason, ...(request.reasonText ? { reasonText: request.reasonText } : {}), cancelledAt: cancelledAt.toISOString(), by: { kind: 'sender', senderId: sender.id } },
      });
      return { response: { status: 202, body: changedBody(referral.id, 'cancelled') }, replayed: false, stored: true };
    });
  }

  /**
   * Records that the person withdrew consent, and erases their details here at once: the patient, the
   * FHIR payload as posted, the notes, and the patient in intake's copies of referral.received (outbox,
   * dead letters). What stays is what the referral's status needs: ids, practice, needs, dates.
   */
  async withdrawConsent(sender: Sender, which: ReferralSelector, withdrawal: ConsentWithdrawal, keys: RequestKey[], hash: string): Promise<Submission> {
    return this.withKeys(sender, keys, hash, async (manager) => {
      const referral = await this.lockForSender(manager, sender, which);
      const { state } = referralLifecycle(referral, await this.referrals.history(referral.id, manager));
      const event = { type: EventType.ReferralConsentWithdrawn, actor: { kind: 'sender' as const } };
      const step = applyLifecycleEvent(state, { ...event, id: '', occurredAt: new Date() });
      const status = step.allowed ? (step.state.status ?? referral.status) : (state.status ?? referral.status);
      if (referral.consentWithdrawnAt) return { response: { status: 200, body: changedBody(referral.id, status) }, replayed: false, stored: true };
      const recordedAt = new Date();
      await this.referrals.eraseForWithdrawal(manager, referral.id, recordedAt);
      await this.events.publish(manager, EventType.ReferralConsentWithdrawn, {
        referralId: referral.id,
        correlationId: referral.correlationId,
        payload: { recordedAt: withdrawal.recordedAt ?? recordedAt.toISOString(), by: { kind: 'sender', senderId: sender.id } },
      });
      return { response: { status: 202, body: changedBody(referral.id, status) }, replayed: false, stored: true };
    });
  }

  /** The referral, row-locked, if this sender sent it: by our id, or by the sender's own. */
  private async lockForSender(manager: EntityManager, sender: Sender, which: ReferralSelector): Promise<Referral> {
    const referral = await this.referrals.lockForSender(manager, sender.id, which);
    if (!referral) throw new NotFoundException('referralId' in which ? `Referral ${which.referralId} not found` : `No referral ${which.senderReferralId} from this sender`);
    return referral;
  }

  private async withKeys(
    sender: Sender,
    keys: RequestKey[],
    hash: string,
    work: (manager: EntityManager) => Promise<Submission & { stored: boolean }>,
    presumed?: StoredResponse,
  ): Promise<Submission> {
    return this.dataSource.transaction(async (manager) => {
      const claim = await this.idempotency.claim(manager, sender.id, keys, hash, presumed);
      if (claim.kind === 'replay') {
        // A key seen before answers; any new key of this request (a fresh webhook-id) is not kept.
        await this.idempotency.release(manager, sender.id, claim.claimed);
        return { response: claim.response, replayed: true };
      }
      const outcome = await work(manager);
      if (!outcome.stored) await this.idempotency.release(manager, sender.id, keys);
      else if (outcome.response !== presumed) await this.idempotency.complete(manager, sender.id, keys, outcome.response);
      return { response: outcome.response, replayed: outcome.replayed };
    });
  }

  /** Inserts unless this sender already sent this senderReferralId (then: same content is a duplicate). */
  private async store(manager: EntityManager, sender: Sender, item: IncomingReferral, referralId = randomUUID()): Promise<Stored> {
    const { referral, event } = this.accepted(sender, item, referralId);
    const inserted = await this.referrals.insert(manager, referral);
    if (!inserted) {
      const existing = await this.referrals.bySenderReferralId(manager, sender.id, referral.senderReferralId as string);
      return { kind: existing.requestHash === referral.requestHash ? 'duplicate' : 'mismatch', referralId: existing.id };
    }
    await this.events.publish(manager, EventType.ReferralReceived, event);
    return { kind: 'accepted', referralId: inserted.id };
  }

  /** The referral row to insert and what its referral.received event says. */
  private accepted(sender: Sender, item: IncomingReferral, referralId: string) {
    const { input } = item;
    const correlationId = correlationIdOrNew();
    const receivedAt = new Date();
    const referral: NewReferral = {
      id: referralId,
      senderId: sender.id,
      senderReferralId: input.senderReferralId ?? null,
      requestHash: requestHash(canonicalJson(input)),
      format: item.format,
      originalPayload: item.original,
      practiceOdsCode: input.practiceOdsCode,
      needs: input.needs,
      urgency: input.urgency,
      consentRecordedAt: input.consentRecordedAt ?? null,
      patient: input.patient,
      referrer: input.referrer ?? null,
      preferredOrganisationId: input.preferredOrganisationId ?? null,
      notes: input.notes ?? null,
      correlationId,
      receivedAt,
    };
    const eventInput = {
      referralId,
      correlationId,
      // The person and the GP's notes leave intake sealed: no outbox row, queue or dead letter holds them in clear.
      payload: sealReceivedPayload(this.sealer, referralId, {
        practiceOdsCode: input.practiceOdsCode,
        needs: input.needs,
        urgency: input.urgency,
        consentToShare: true,
        ...(input.preferredOrganisationId ? { preferredOrganisationId: input.preferredOrganisationId } : {}),
        patient: input.patient,
        ...(input.referrer ? { referrer: input.referrer } : {}),
        ...(input.notes ? { notes: input.notes } : {}),
        senderId: sender.id,
        receivedAt: receivedAt.toISOString(),
      }),
    };
    return { referral, event: eventInput };
  }
}
