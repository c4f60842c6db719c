import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, EventSealer, EventType, EventTypeName, ReferralPerson, lockReferral, openReferralPerson, preparedQuery } from '@app/shared';
import { OUTCOMES_SCHEMA } from '../environment';
import { Secrets } from '../privacy/secrets';
import { Projection, ReferralProjection, project, statusesOnlyTouchedBy } from './projector';
import { StoredEvent, nhsNumberOf, storedDataOf } from './stored-event';

const S = `"${OUTCOMES_SCHEMA}"`;

/** Outcomes' lock space for referral locks (see lockReferral): the number its releases have always locked in. */
export const OUTCOMES_REFERRAL_LOCK_SPACE = 7131;

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

  /**
   * Serialises work on one referral across concurrent consumers and API calls, until the transaction ends.
   * The event transport takes it with each event's inbox claim (OUTCOMES_REFERRAL_LOCK_SPACE); API paths
   * take it here. Never in the statement that reads the referral's events: a statement that waited for the
   * lock would read with the snapshot it took before waiting, without the events the previous holder committed.
   */
  async lockReferral(manager: EntityManager, referralId: string): Promise<void> {
    await lockReferral(manager, OUTCOMES_REFERRAL_LOCK_SPACE, referralId);
  }

  /**
   * Appends an event and refreshes its referral's projection; the caller holds the referral's lock (see
   * lockReferral). A repeated event id changes nothing. An event that only moves the last-event time (a
   * notification, after every other event, in a status that allows it) updates that column alone; anything
   * else folds the referral's events again. Two round trips (one for a notification): the append (which
   * returns the events to fold, or the touched status), and the projection.
   */
  async ingest(manager: EntityManager, envelope: EventEnvelope): Promise<{ appended: boolean; status: string | null }> {
    const appended = await this.append(manager, envelope);
    if ('touched' in appended) return { appended: true, status: appended.touched };
    const projection = project(envelope.referralId, appended.events);
    await this.saveProjection(manager, projection);
    for (const anomaly of projection.anomalies.filter((candidate) => candidate.eventId === envelope.id)) {
      this.logger.warn(`Anomaly on referral ${envelope.referralId}: ${anomaly.reason}`);
    }
    return { appended: appended.appended, status: projection.referral.status };
  }

  /**
   * One statement, run under the referral's lock (so its snapshot holds every event appended before): stores
   * the event, keeps or forgets the person's NHS number, and either moves the projection's last-event time
   * (when the event only touches it) or returns every event of the referral, the new one included, to fold.
   * The store's own read cannot see the row inserted by the same statement, so the inserted row is added to it.
   */
  private async append(manager: EntityManager, envelope: EventEnvelope): Promise<{ touched: string } | { appended: boolean; events: StoredEvent[] }> {
    const person = this.personOf(envelope);
    const nhsNumber = nhsNumberOf(person);
    const occurredAt = new Date(envelope.occurredAt);
    const data = storedDataOf(envelope, person);
    const touchable = statusesOnlyTouchedBy({ seq: 0, eventId: envelope.id, type: envelope.type, referralId: envelope.referralId, occurredAt, data });
    const rows = await preparedQuery<{ seq: string | null; event_id: string | null; type: EventTypeName; occurred_at: Date; data: StoredEvent['data']; inserted: boolean; touched: string | null }>(
      manager,
      'outcomes_event_append',
      `WITH "inserted" AS (
         INSERT INTO ${S}."outcome_event" ("event_id", "type", "version", "referral_id", "occurred_at", "source", "correlation_id", "data")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT ("event_id") DO NOTHING
         RETURNING "seq", "event_id", "type", "occurred_at", "data"
       ), "identity" AS (
         -- Never after a consent withdrawal: a late referral.received must not bring the NHS number back.
         INSERT INTO ${S}."referral_identity" ("referral_id", "nhs_number_sealed")
         SELECT $4, $9::text FROM "inserted"
         WHERE $9::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${S}."outcome_event" WHERE "referral_id" = $4 AND "type" = $10::text)
         ON CONFLICT ("referral_id") DO NOTHING
       ), "forgotten" AS (
         -- A consent withdrawal removes the person's one identifier here. The pseudonymised record (age band,
         -- sex, district, events) stays, but no pseudonym links this referral to the person any more.
         DELETE FROM ${S}."referral_identity" WHERE "referral_id" = $4 AND $2 = $10::text AND EXISTS (SELECT 1 FROM "inserted")
       ), "touched" AS (
         UPDATE ${S}."referral" SET "last_event_at" = $5, "updated_at" = now()
         WHERE "referral_id" = $4 AND "last_event_at" < $5 AND "status" = ANY($11::text[]) AND EXISTS (SELECT 1 FROM "inserted")
         RETURNING "status"
       )
       SELECT NULL::bigint AS "seq", NULL::uuid AS "event_id", NULL::text AS "type", NULL::timestamptz AS "occurred_at", NULL::jsonb AS "data", true AS "inserted", "status" AS "touched" FROM "touched"
       UNION ALL
       SELECT "seq", "event_id", "type", "occurred_at", "data", true, NULL FROM "inserted" WHERE NOT EXISTS (SELECT 1 FROM "touched")
       UNION ALL
       SELECT "seq", "event_id", "type", "occurred_at", "data", false, NULL FROM ${S}."outcome_event" WHERE "referral_id" = $4 AND NOT EXISTS (SELECT 1 FROM "touched")
       ORDER BY "seq"`,
      [
        envelope.id,
        envelope.type,
        envelope.version,
        envelope.referralId,
        occurredAt,
        envelope.source,
        envelope.correlationId,
        JSON.stringify(data),
        nhsNumber ? this.secrets.encryptNhsNumber(nhsNumber) : null,
        EventType.ReferralConsentWithdrawn,
        touchable,
      ],
    );
    const touched = rows.find((row) => row.touched !== null);
    if (touched) return { touched: touched.touched! };
    return {
      appended: rows.some((row) => row.inserted),
      events: rows.map((row) => ({ seq: Number(row.seq), eventId: row.event_id!, type: row.type, referralId: envelope.referralId, occurredAt: row.occurred_at, data: row.data })),
    };
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

  /**
   * Writes a projection in one statement: the referral's summary, and its anomalies and measures as the
   * fold left them (those no longer in it deleted). The delete and the upsert of each table touch disjoint
   * rows (event ids not in the projection, and those in it), as one statement's parts must.
   */
  private async saveProjection(manager: EntityManager, { referral, anomalies, measures }: Projection): Promise<void> {
    const columns = referralColumns(referral);
    const names = columns.map(([name]) => `"${name}"`);
    const anomaliesAt = columns.length + 1;
    const measuresAt = columns.length + 2;
    await preparedQuery(
      manager,
      'outcomes_projection_save',
      `WITH "summary" AS (
         INSERT INTO ${S}."referral" (${names.join(', ')}, "updated_at") VALUES (${columns.map((_, index) => `$${index + 1}`).join(', ')}, now())
         ON CONFLICT ("referral_id") DO UPDATE SET ${names.slice(1).map((name) => `${name} = EXCLUDED.${name}`).join(', ')}, "updated_at" = now()
       ), "anomalies" AS (
         SELECT * FROM jsonb_to_recordset($${anomaliesAt}::jsonb) AS a("eventId" uuid, "eventType" text, "fromStatus" text, "reason" text)
       ), "stale_anomalies" AS (
         DELETE FROM ${S}."referral_anomaly" WHERE "referral_id" = $1 AND "event_id" NOT IN (SELECT "eventId" FROM "anomalies")
       ), "saved_anomalies" AS (
         INSERT INTO ${S}."referral_anomaly" ("event_id", "referral_id", "event_type", "from_status", "reason")
         SELECT "eventId", $1, "eventType", "fromStatus", "reason" FROM "anomalies"
         ON CONFLICT ("event_id") DO UPDATE SET "from_status" = EXCLUDED."from_status", "reason" = EXCLUDED."reason"
       ), "measures" AS (
         SELECT * FROM jsonb_to_recordset($${measuresAt}::jsonb)
           AS m("measureId" uuid, "eventId" uuid, "measure" text, "timepoint" text, "items" integer[], "score" jsonb, "recordedAt" timestamptz, "recordedByKind" text, "recordedById" text)
       ), "stale_measures" AS (
         DELETE FROM ${S}."measure" WHERE "referral_id" = $1 AND "event_id" NOT IN (SELECT "eventId" FROM "measures")
       )
       INSERT INTO ${S}."measure" ("id", "event_id", "referral_id", "measure", "timepoint", "items", "score", "recorded_at", "recorded_by_kind", "recorded_by_id")
       SELECT "measureId", "eventId", $1, "measure", "timepoint", "items", "score", "recordedAt", "recordedByKind", "recordedById" FROM "measures"
       ON CONFLICT ("event_id") DO NOTHING`,
      [
        ...columns.map(([, value]) => value),
        JSON.stringify(anomalies.map(({ eventId, eventType, fromStatus, reason }) => ({ eventId, eventType, fromStatus, reason }))),
        JSON.stringify(
          measures.map((measure) => ({
            measureId: measure.measureId,
            eventId: measure.eventId,
            measure: measure.measure,
            timepoint: measure.timepoint,
            items: measure.items,
            score: measure.score,
            recordedAt: measure.recordedAt,
            recordedByKind: measure.recordedBy.kind,
            recordedById: measure.recordedBy.id,
          })),
        ),
      ],
    );
  }
}

/** The referral table's columns and their values, referral_id first. */
function referralColumns(referral: ReferralProjection): Array<[string, unknown]> {
  return [
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
}
