import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EventPublisher, EventType, ProblemDetails, ProblemException, correlationIdOrNew, problem } from '@app/shared';
import { Sender } from '../senders/sender.entity';
import { canonicalJson } from './canonical-json';
import { IdempotencyStore, RequestKey, StoredResponse, requestHash } from './idempotency';
import { IncomingReferral } from './incoming-referral';
import { Validated } from './referral-input';
import { Referral } from './referral.entity';

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
    private readonly events: EventPublisher,
    private readonly idempotency: IdempotencyStore,
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
    return this.withKeys(sender, keys, hash, async (manager) => {
      const stored = await this.store(manager, sender, item);
      if (stored.kind === 'mismatch') {
        throw new ProblemException(problem(422, senderReferralIdReused(), { errors: [{ pointer: '/senderReferralId', detail: senderReferralIdReused() }] }));
      }
      return { response: { status: 202, body: acceptedBody(stored.referralId) }, replayed: stored.kind === 'duplicate', stored: stored.kind === 'accepted' };
    });
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

  async getForSender(id: string, senderId: string): Promise<Referral> {
    const referral = await this.dataSource.getRepository(Referral).findOneBy({ id, senderId });
    if (!referral) throw new NotFoundException(`Referral ${id} not found`);
    return referral;
  }

  private async withKeys(
    sender: Sender,
    keys: RequestKey[],
    hash: string,
    work: (manager: EntityManager) => Promise<Submission & { stored: boolean }>,
  ): Promise<Submission> {
    const claim = await this.idempotency.claim(sender.id, keys, hash);
    if (claim.kind === 'replay') return { response: claim.response, replayed: true };
    try {
      const outcome = await this.dataSource.transaction(async (manager) => {
        const result = await work(manager);
        if (result.stored) await this.idempotency.complete(manager, sender.id, keys, result.response);
        return result;
      });
      if (!outcome.stored) await this.idempotency.release(sender.id, keys);
      return { response: outcome.response, replayed: outcome.replayed };
    } catch (error) {
      await this.idempotency.release(sender.id, keys);
      throw error;
    }
  }

  /** Inserts unless this sender already sent this senderReferralId (then: same content is a duplicate). */
  private async store(manager: EntityManager, sender: Sender, item: IncomingReferral): Promise<Stored> {
    const { input } = item;
    const hash = requestHash(canonicalJson(input));
    const correlationId = correlationIdOrNew();
    const rows: Array<{ id: string; received_at: Date }> = await manager.query(
      `INSERT INTO "intake"."referral" ("id", "status", "sender_id", "sender_referral_id", "request_hash", "format", "original_payload",
         "practice_ods_code", "needs", "urgency", "consent_to_share", "consent_recorded_at", "patient", "referrer",
         "preferred_organisation_id", "notes", "correlation_id")
       VALUES ($1, 'received', $2, $3, $4, $5, $6, $7, $8, $9, true, $10, $11, $12, $13, $14, $15)
       ON CONFLICT ("sender_id", "sender_referral_id") DO NOTHING RETURNING "id", "received_at"`,
      [
        randomUUID(),
        sender.id,
        input.senderReferralId ?? null,
        hash,
        item.format,
        item.original === null ? null : JSON.stringify(item.original),
        input.practiceOdsCode,
        input.needs,
        input.urgency,
        input.consentRecordedAt ?? null,
        JSON.stringify(input.patient),
        input.referrer ? JSON.stringify(input.referrer) : null,
        input.preferredOrganisationId ?? null,
        input.notes ?? null,
        correlationId,
      ],
    );
    if (rows.length === 0) {
      const [existing] = await manager.query(`SELECT "id", "request_hash" FROM "intake"."referral" WHERE "sender_id" = $1 AND "sender_referral_id" = $2`, [
        sender.id,
        input.senderReferralId,
      ]);
      return { kind: existing.request_hash === hash ? 'duplicate' : 'mismatch', referralId: existing.id };
    }
    const [{ id, received_at: receivedAt }] = rows;
    await this.events.publish(manager, EventType.ReferralReceived, {
      referralId: id,
      correlationId,
      payload: {
        practiceOdsCode: input.practiceOdsCode,
        needs: input.needs,
        urgency: input.urgency,
        consentToShare: true,
        ...(input.preferredOrganisationId ? { preferredOrganisationId: input.preferredOrganisationId } : {}),
        patient: input.patient,
        ...(input.referrer ? { referrer: input.referrer } : {}),
        senderId: sender.id,
        receivedAt: new Date(receivedAt).toISOString(),
      },
    });
    return { kind: 'accepted', referralId: id };
  }
}

