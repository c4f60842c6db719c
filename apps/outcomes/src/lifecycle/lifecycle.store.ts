import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, EventSealer, EventType, EventTypeName, ReferralPerson, openReferralPerson, preparedQuery } from '@app/shared';
import { OUTCOMES_SCHEMA } from '../environment';
import { Secrets } from '../privacy/secrets';
import { Projection, ReferralProjection, project, statusesOnlyTouchedBy } from './projector';
import { StoredEvent, nhsNumberOf, storedDataOf } from './stored-event';

const S = `"${OUTCOMES_SCHEMA}"`;

export interface StoredMeasure {
  measureId: string;
  measure: string;
  timepoint: string;
  score: Record<string, number>;
  recordedAt: Date;
  recordedBy: { kind: string; id: string };
}

/**
 * The append-only event store and the projection derived from it. The store is the one source of truth:
 * after every append the referral's projection, anomalies and measures are recomputed from its events,
 * so events arriving out of order settle into the same result as events arriving in order.
 */
@Injectable()
export class LifecycleStore {
  private readonly logger = new Logger(LifecycleStore.name);

  constructor(
    private readonly secrets: Secrets,
    private readonly sealer: EventSealer,
  ) {}

  /** Outcomes opens who a referral is about only here, to derive an age band, district and pseudonym key. */
  private personOf(envelope: EventEnvelope): ReferralPerson | null {
    return envelope.type === EventType.ReferralReceived ? openReferralPerson(this.sealer, envelope as EventEnvelope<typeof EventType.ReferralReceived>) : null;
  }

  /** Serialises work on one referral across concurrent consumers and API calls, until the transaction ends. */
  async lockReferral(manager: EntityManager, referralId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7131))`, [referralId]);
  }

  /**
   * Appends an event and refreshes its referral's projection. A repeated event id changes nothing. An
   * event that only moves the last-event time (a notification, after every other event, in a status that
   * allows it) updates that column alone; anything else folds the referral's events again.
   */
  async ingest(manager: EntityManager, envelope: EventEnvelope): Promise<{ appended: boolean; status: string | null }> {
    await this.lockReferral(manager, envelope.referralId);
    const appended = await this.append(manager, envelope);
    if (appended) {
      const touched = await this.touch(manager, envelope);
      if (touched) return { appended, status: touched.status };
    }
    const projection = await this.reproject(manager, envelope.referralId);
    for (const anomaly of projection.anomalies.filter((candidate) => candidate.eventId === envelope.id)) {
      this.logger.warn(`Anomaly on referral ${envelope.referralId}: ${anomaly.reason}`);
    }
    return { appended, status: projection.referral.status };
  }

  private async touch(manager: EntityManager, envelope: EventEnvelope): Promise<{ status: string } | undefined> {
    const occurredAt = new Date(envelope.occurredAt);
    const statuses = statusesOnlyTouchedBy({ seq: 0, eventId: envelope.id, type: envelope.type, referralId: envelope.referralId, occurredAt, data: storedDataOf(envelope) });
    if (statuses.length === 0) return undefined;
    const [row] = await preparedQuery<{ status: string }>(
      manager,
      'outcomes_projection_touch',
      `UPDATE ${S}."referral" SET "last_event_at" = $2, "updated_at" = now() WHERE "referral_id" = $1 AND "last_event_at" < $2 AND "status" = ANY($3::text[]) RETURNING "status"`,
      [envelope.referralId, occurredAt, statuses],
    );
    return row;
  }

  private async append(manager: EntityManager, envelope: EventEnvelope): Promise<boolean> {
    const person = this.personOf(envelope);
    const inserted = await manager.query(
      `INSERT INTO ${S}."outcome_event" ("event_id", "type", "version", "referral_id", "occurred_at", "source", "correlation_id", "data")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT ("event_id") DO NOTHING RETURNING "seq"`,
      [
        envelope.id,
        envelope.type,
        envelope.version,
        envelope.referralId,
        envelope.occurredAt,
        envelope.source,
        envelope.correlationId,
        JSON.stringify(storedDataOf(envelope, person)),
      ],
    );
    const nhsNumber = nhsNumberOf(person);
    if (inserted.length > 0 && nhsNumber) {
      // Never after a consent withdrawal: a late referral.received must not bring the NHS number back.
      await manager.query(
        `INSERT INTO ${S}."referral_identity" ("referral_id", "nhs_number_sealed")
         SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM ${S}."outcome_event" WHERE "referral_id" = $1 AND "type" = $3)
         ON CONFLICT ("referral_id") DO NOTHING`,
        [envelope.referralId, this.secrets.encryptNhsNumber(nhsNumber), EventType.ReferralConsentWithdrawn],
      );
    }
    if (inserted.length > 0 && envelope.type === EventType.ReferralConsentWithdrawn) {
      // The person's one identifier here. The pseudonymised record (age band, sex, district, events) stays,
      // but no pseudonym links this referral to the person any more.
      await manager.query(`DELETE FROM ${S}."referral_identity" WHERE "referral_id" = $1`, [envelope.referralId]);
    }
    return inserted.length > 0;
  }

  async events(manager: EntityManager, referralId: string): Promise<StoredEvent[]> {
    const rows: Array<{ seq: string; event_id: string; type: EventTypeName; occurred_at: Date; data: StoredEvent['data'] }> = await manager.query(
      `SELECT "seq", "event_id", "type", "occurred_at", "data" FROM ${S}."outcome_event" WHERE "referral_id" = $1 ORDER BY "seq"`,
      [referralId],
    );
    return rows.map((row) => ({ seq: Number(row.seq), eventId: row.event_id, type: row.type, referralId, occurredAt: row.occurred_at, data: row.data }));
  }

  /** A referral's measures as projected, oldest first. */
  async measures(manager: EntityManager, referralId: string): Promise<StoredMeasure[]> {
    const rows: Array<{ id: string; measure: string; timepoint: string; score: Record<string, number>; recorded_at: Date; recorded_by_kind: string; recorded_by_id: string }> =
      await manager.query(
        `SELECT "id", "measure", "timepoint", "score", "recorded_at", "recorded_by_kind", "recorded_by_id" FROM ${S}."measure" WHERE "referral_id" = $1 ORDER BY "recorded_at"`,
        [referralId],
      );
    return rows.map((row) => ({
      measureId: row.id,
      measure: row.measure,
      timepoint: row.timepoint,
      score: row.score,
      recordedAt: row.recorded_at,
      recordedBy: { kind: row.recorded_by_kind, id: row.recorded_by_id },
    }));
  }

  async reproject(manager: EntityManager, referralId: string): Promise<Projection> {
    const projection = project(referralId, await this.events(manager, referralId));
    await this.saveReferral(manager, projection.referral);
    const anomalyIds = projection.anomalies.map((anomaly) => anomaly.eventId);
    await manager.query(`DELETE FROM ${S}."referral_anomaly" WHERE "referral_id" = $1 AND NOT ("event_id" = ANY($2::uuid[]))`, [referralId, anomalyIds]);
    for (const anomaly of projection.anomalies) {
      await manager.query(
        `INSERT INTO ${S}."referral_anomaly" ("event_id", "referral_id", "event_type", "from_status", "reason") VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ("event_id") DO UPDATE SET "from_status" = EXCLUDED."from_status", "reason" = EXCLUDED."reason"`,
        [anomaly.eventId, referralId, anomaly.eventType, anomaly.fromStatus, anomaly.reason],
      );
    }
    const measureEvents = projection.measures.map((measure) => measure.eventId);
    await manager.query(`DELETE FROM ${S}."measure" WHERE "referral_id" = $1 AND NOT ("event_id" = ANY($2::uuid[]))`, [referralId, measureEvents]);
    for (const measure of projection.measures) {
      await manager.query(
        `INSERT INTO ${S}."measure" ("id", "event_id", "referral_id", "measure", "timepoint", "items", "score", "recorded_at", "recorded_by_kind", "recorded_by_id")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT ("event_id") DO NOTHING`,
        [
          measure.measureId,
          measure.eventId,
          referralId,
          measure.measure,
          measure.timepoint,
          measure.items,
          JSON.stringify(measure.score),
          measure.recordedAt,
          measure.recordedBy.kind,
          measure.recordedBy.id,
        ],
      );
    }
    return projection;
  }

  private async saveReferral(manager: EntityManager, referral: ReferralProjection): Promise<void> {
    const columns: Array<[string, unknown]> = [
      ['referral_id', referral.referralId],
      ['status', referral.status],
      ['practice_ods_code', referral.practiceOdsCode],
      ['pcn_ods_code', referral.pcnOdsCode],
      ['sub_icb_code', referral.subIcbCode],
      ['icb_code', referral.icbCode],
      ['needs', referral.needs],
      ['urgency', referral.urgency],
      ['age_band', referral.ageBand],
      ['sex', referral.sex],
      ['postcode_district', referral.postcodeDistrict],
      ['assignees', referral.assignees],
      ['organisation_ids', referral.organisationIds],
      ['received_at', referral.receivedAt],
      ['routed_at', referral.routedAt],
      ['accepted_at', referral.acceptedAt],
      ['declined_at', referral.declinedAt],
      ['first_contact_at', referral.firstContactAt],
      ['first_session_at', referral.firstSessionAt],
      ['completed_at', referral.completedAt],
      ['closed_at', referral.closedAt],
      ['sessions_attended', referral.sessionsAttended],
      ['sessions_missed', referral.sessionsMissed],
      ['decline_reason', referral.declineReason],
      ['close_reason', referral.closeReason],
      ['last_event_at', referral.lastEventAt],
    ];
    const names = columns.map(([name]) => `"${name}"`);
    await manager.query(
      `INSERT INTO ${S}."referral" (${names.join(', ')}, "updated_at") VALUES (${columns.map((_, index) => `$${index + 1}`).join(', ')}, now())
       ON CONFLICT ("referral_id") DO UPDATE SET ${names.slice(1).map((name) => `${name} = EXCLUDED.${name}`).join(', ')}, "updated_at" = now()`,
      columns.map(([, value]) => value),
    );
  }
}
