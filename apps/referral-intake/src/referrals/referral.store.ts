import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EventType, Statement, composeStatements, preparedQuery } from '@app/shared';
import { INTAKE_SCHEMA } from '../environment';
import { ReferralHistoryEvent } from '../status/referral-history';
import { CallbackFormat } from '../senders/sender.entity';
import { Referral } from './referral';

const S = `"${INTAKE_SCHEMA}"`;

/** Every column, named as Referral names it: rows come back as Referral objects. */
const REFERRAL = `"id", "status", "status_reason" AS "statusReason", "status_changed_at" AS "statusChangedAt", "sender_id" AS "senderId", "sender_referral_id" AS "senderReferralId", "request_hash" AS "requestHash", "format", "original_payload" AS "originalPayload", "practice_ods_code" AS "practiceOdsCode", "needs", "urgency", "consent_to_share" AS "consentToShare", "consent_recorded_at" AS "consentRecordedAt", "patient", "referrer", "preferred_organisation_id" AS "preferredOrganisationId", "notes", "cancelled_at" AS "cancelledAt", "cancel_reason" AS "cancelReason", "consent_withdrawn_at" AS "consentWithdrawnAt", "correlation_id" AS "correlationId", "received_at" AS "receivedAt", "updated_at" AS "updatedAt"`;

/** A referral to insert, as validated: the columns the sender's request sets. */
export interface NewReferral {
  id: string;
  senderId: string;
  senderReferralId: string | null;
  requestHash: string;
  format: string;
  originalPayload: unknown;
  practiceOdsCode: string;
  needs: string[];
  urgency: string;
  consentRecordedAt: string | null;
  patient: unknown;
  referrer: unknown;
  preferredOrganisationId: string | null;
  notes: string | null;
  correlationId: string;
  /**
   * Set here rather than by the database: referral.received carries it, and is built before the insert. The
   * status's time and the last change start at it too, so none of them is before it whatever the two clocks say.
   */
  receivedAt: Date;
}

/** The SQLSTATE insertClaimedWithEvent's statement ends with when it is not the usual outcome. */
const DIVISION_BY_ZERO = '22012';

function insertStatement(referral: NewReferral): Statement {
  return {
    text: `INSERT INTO ${S}."referral" ("id", "status", "sender_id", "sender_referral_id", "request_hash", "format", "original_payload",
         "practice_ods_code", "needs", "urgency", "consent_to_share", "consent_recorded_at", "patient", "referrer",
         "preferred_organisation_id", "notes", "correlation_id", "received_at", "status_changed_at", "updated_at")
       VALUES ($1, 'received', $2, $3, $4, $5, $6, $7, $8, $9, true, $10, $11, $12, $13, $14, $15, $16, $16, $16)
       ON CONFLICT ("sender_id", "sender_referral_id") DO NOTHING RETURNING "id"`,
    values: [
      referral.id,
      referral.senderId,
      referral.senderReferralId,
      referral.requestHash,
      referral.format,
      referral.originalPayload === null ? null : JSON.stringify(referral.originalPayload),
      referral.practiceOdsCode,
      referral.needs,
      referral.urgency,
      referral.consentRecordedAt,
      JSON.stringify(referral.patient),
      referral.referrer ? JSON.stringify(referral.referrer) : null,
      referral.preferredOrganisationId,
      referral.notes,
      referral.correlationId,
      referral.receivedAt,
    ],
  };
}

/** Where a referral's sender takes status callbacks, if it takes any: its sender row's callback settings. */
export interface CallbackTarget {
  senderId: string;
  callbackUrl: string | null;
  callbackFormat: CallbackFormat;
  disabled: boolean;
}

/** Which referral a change is about: our id (the API), or the sender's own id (a FHIR message). */
export type ReferralSelector = { referralId: string } | { senderReferralId: string };

/** The referral and its lifecycle history: every read and write of them, in SQL. Writes take the caller's transaction. */
@Injectable()
export class ReferralStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Inserts unless this sender already sent this senderReferralId; null then. A named prepared statement:
   * it is the statement every accepted referral runs.
   */
  async insert(manager: EntityManager, referral: NewReferral): Promise<{ id: string } | null> {
    const statement = insertStatement(referral);
    const rows = await preparedQuery<{ id: string }>(manager, 'intake_referral_insert', statement.text, statement.values);
    return rows[0] ?? null;
  }

  /**
   * The usual new referral in one statement, so in one round trip and without a transaction around it: the
   * request's keys claimed, the referral inserted, its event's outbox row written and the relay woken. All
   * of it is written, or (when a key is held or the senderReferralId was sent before) nothing: the final
   * division by zero aborts the statement, and false sends the caller to the full path, which sorts those
   * cases out. Any other error is thrown.
   */
  async insertClaimedWithEvent(claim: { statement: Statement; keys: number }, referral: NewReferral, event: Statement, channel: string): Promise<boolean> {
    const statement = composeStatements(
      [event, claim.statement, insertStatement(referral), { text: '', values: [claim.keys, channel] }],
      // The outbox insert first: pg_stat_activity shows only the first 1 kB of a statement, and what it waits on is what an operator looks for.
      ([published, claimed, inserted], next) =>
        `WITH "published" AS (${published}), "claimed" AS (${claimed}), "inserted" AS (${inserted})
         SELECT 1 / ((SELECT count(*) FROM "claimed") = $${next - 2} AND (SELECT count(*) FROM "inserted") = 1)::int AS "ok", pg_notify($${next - 1}, '')`,
    );
    try {
      await preparedQuery(this.dataSource, 'intake_referral_insert_claimed_with_event', statement.text, statement.values);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === DIVISION_BY_ZERO) return false;
      throw error;
    }
  }

  /** The referral this sender already sent under its own id, with the hash of what it sent. */
  async bySenderReferralId(manager: EntityManager, senderId: string, senderReferralId: string): Promise<{ id: string; requestHash: string | null }> {
    const [existing] = await manager.query(`SELECT "id", "request_hash" AS "requestHash" FROM ${S}."referral" WHERE "sender_id" = $1 AND "sender_referral_id" = $2`, [
      senderId,
      senderReferralId,
    ]);
    return existing;
  }

  async findForSender(id: string, senderId: string): Promise<Referral | null> {
    const [referral] = await this.dataSource.query(`SELECT ${REFERRAL} FROM ${S}."referral" WHERE "id" = $1 AND "sender_id" = $2`, [id, senderId]);
    return referral ?? null;
  }

  /** The referral, row-locked until the transaction ends, if this sender sent it: by our id, or by the sender's own. */
  async lockForSender(manager: EntityManager, senderId: string, which: ReferralSelector): Promise<Referral | null> {
    const [column, value] = 'referralId' in which ? ['id', which.referralId] : ['sender_referral_id', which.senderReferralId];
    const [referral] = await manager.query(`SELECT ${REFERRAL} FROM ${S}."referral" WHERE "${column}" = $1 AND "sender_id" = $2 FOR UPDATE`, [value, senderId]);
    return referral ?? null;
  }

  /**
   * The referral, row-locked until the transaction ends, and where its sender takes status callbacks (read
   * in the same round trip: the status consumer needs both for every event it hears). Null when unknown.
   */
  async lockWithCallbackTarget(manager: EntityManager, id: string): Promise<{ referral: Referral; callbackTarget: CallbackTarget | null } | null> {
    const [row] = await preparedQuery<Referral & { callbackTarget: CallbackTarget | null }>(
      manager,
      'intake_referral_lock_with_callback_target',
      `SELECT ${REFERRAL},
         (SELECT json_build_object('senderId', s."id", 'callbackUrl', s."callback_url", 'callbackFormat', s."callback_format", 'disabled', s."disabled_at" IS NOT NULL)
          FROM ${S}."sender" s WHERE s."id" = ${S}."referral"."sender_id") AS "callbackTarget"
       FROM ${S}."referral" WHERE "id" = $1 FOR UPDATE`,
      [id],
    );
    if (!row) return null;
    const { callbackTarget, ...referral } = row;
    return { referral, callbackTarget };
  }

  /** The lifecycle events intake heard for a referral. */
  history(referralId: string, manager: EntityManager = this.dataSource.manager): Promise<ReferralHistoryEvent[]> {
    return manager.query(
      `SELECT "event_id" AS "eventId", "referral_id" AS "referralId", "type", "occurred_at" AS "occurredAt", "facts" FROM ${S}."referral_history" WHERE "referral_id" = $1`,
      [referralId],
    );
  }

  /**
   * Keeps a lifecycle event once (a redelivered event changes nothing) and returns the referral's history
   * with it, in one statement. Run it with the referral locked, so its snapshot holds every event recorded
   * before; the statement's own read cannot see the row it inserts, so the inserted row is added to it.
   */
  async recordHistory(manager: EntityManager, event: ReferralHistoryEvent): Promise<ReferralHistoryEvent[]> {
    return preparedQuery<ReferralHistoryEvent>(
      manager,
      'intake_referral_history_record',
      `WITH "recorded" AS (
         INSERT INTO ${S}."referral_history" ("event_id", "referral_id", "type", "occurred_at", "facts") VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
         RETURNING "event_id", "referral_id", "type", "occurred_at", "facts"
       )
       SELECT "event_id" AS "eventId", "referral_id" AS "referralId", "type", "occurred_at" AS "occurredAt", "facts" FROM ${S}."referral_history" WHERE "referral_id" = $2
       UNION ALL
       SELECT "event_id", "referral_id", "type", "occurred_at", "facts" FROM "recorded"`,
      [event.eventId, event.referralId, event.type, event.occurredAt, JSON.stringify(event.facts)],
    );
  }

  async markCancelled(manager: EntityManager, id: string, cancelledAt: Date, reason: string): Promise<void> {
    await manager.query(`UPDATE ${S}."referral" SET "cancelled_at" = $2, "cancel_reason" = $3, "updated_at" = now() WHERE "id" = $1`, [id, cancelledAt, reason]);
  }

  async setStatus(manager: EntityManager, id: string, change: { status: string; statusReason: string | null; statusChangedAt: Date }): Promise<void> {
    await preparedQuery(
      manager,
      'intake_referral_set_status',
      `UPDATE ${S}."referral" SET "status" = $2, "status_reason" = $3, "status_changed_at" = $4, "updated_at" = now() WHERE "id" = $1`,
      [id, change.status, change.statusReason, change.statusChangedAt],
    );
  }

  /**
   * Consent withdrawn: erases the person here at once (the patient, the FHIR payload as posted, the notes)
   * and in intake's relayed copies of referral.received. One not yet relayed keeps them until it is: the
   * withdrawal that follows it reaches every service after it.
   */
  async eraseForWithdrawal(manager: EntityManager, id: string, withdrawnAt: Date): Promise<void> {
    await manager.query(
      `UPDATE ${S}."referral" SET "consent_withdrawn_at" = $2, "patient" = NULL, "original_payload" = NULL, "notes" = NULL WHERE "id" = $1`,
      [id, withdrawnAt],
    );
    await manager.query(
      `UPDATE ${S}."outbox" SET "envelope" = "envelope" #- '{payload,sealedPerson}' #- '{payload,patient}' #- '{payload,notes}'
       WHERE "type" = $1 AND "envelope"->>'referralId' = $2 AND "published_at" IS NOT NULL`,
      [EventType.ReferralReceived, id],
    );
  }
}
