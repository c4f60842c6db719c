import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { type RoutingTask, preparedQuery } from '@app/shared';
import { NOTIFIER_SCHEMA } from '../environment';
import type { Viewer } from './access';
import type { TaskReminderState } from './reminder-schedule';
import { Task, TaskStatus, WithdrawnReason } from './task.entity';

const S = `"${NOTIFIER_SCHEMA}"`;

/**
 * The notifier's lock space for referral locks (see lockReferral in the event transport): every event is
 * handled with its referral locked from the inbox claim to the commit. It serialises routing and ending one
 * referral: without it a cancellation handled while the referral.received is being routed (another replica)
 * would see no case and change nothing. The number the notifier's releases have always locked in, so
 * replicas of the last release still exclude each other.
 */
export const NOTIFIER_REFERRAL_LOCK_SPACE = 8131;

/** The notifier's view of one referral: where it stands, and who holds it. No identifiable data. */
export interface ReferralCase {
  referralId: string;
  status: string;
  linkWorkerId: string | null;
  needs: string[];
  urgency: string;
  practiceOdsCode: string;
  practiceName: string | null;
  area: string | null;
  receivedAt: Date;
  statusChangedAt: Date;
  acceptedOrganisationId: string | null;
  contactAttempts: number;
  sessionsAttended: number;
  sessionsMissed: number;
  closedAt: Date | null;
  closeReason: string | null;
  correlationId: string | null;
}

export interface RecordedOutcomeRow {
  id: string;
  referralId: string;
  kind: string;
  occurredAt: Date;
  reason: string | null;
  attempts: number | null;
  recordedByKind: string;
  recordedById: string;
}

export interface RecordedMeasureRow {
  id: string;
  referralId: string;
  measure: string;
  timepoint: string;
  items: number[];
  score: Record<string, number>;
  recordedByKind: string;
  recordedById: string;
  recordedAt: Date;
}

export interface DetailsViewRow {
  viewerKind: string;
  viewerId: string;
  viewerEmail: string | null;
  fields: string;
  viewedAt: Date;
}

type Row = Record<string, unknown>;

/** TypeORM answers UPDATE/DELETE … RETURNING with [rows, affected count]; INSERT … RETURNING with the rows. */
function returned<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

function toCase(row: Row): ReferralCase {
  return {
    referralId: row.referral_id as string,
    status: row.status as string,
    linkWorkerId: (row.link_worker_id as string | null) ?? null,
    needs: row.needs as string[],
    urgency: row.urgency as string,
    practiceOdsCode: row.practice_ods_code as string,
    practiceName: (row.practice_name as string | null) ?? null,
    area: (row.area as string | null) ?? null,
    receivedAt: row.received_at as Date,
    statusChangedAt: row.status_changed_at as Date,
    acceptedOrganisationId: (row.accepted_organisation_id as string | null) ?? null,
    contactAttempts: row.contact_attempts as number,
    sessionsAttended: row.sessions_attended as number,
    sessionsMissed: row.sessions_missed as number,
    closedAt: (row.closed_at as Date | null) ?? null,
    closeReason: (row.close_reason as string | null) ?? null,
    correlationId: (row.correlation_id as string | null) ?? null,
  };
}

/** A task row as RETURNING * gives it, named as the entity names it (from its metadata, so the two cannot drift). */
function toTask(manager: EntityManager, row: Row): Task {
  return Object.fromEntries(manager.connection.getMetadata(Task).columns.map((column) => [column.propertyName, row[column.databaseName]])) as unknown as Task;
}

/** A new offer: what the caller decides; the rest of a task starts empty. */
export type NewTask = Pick<Task, 'id' | 'referralId' | 'recipientType' | 'recipientId' | 'reason' | 'status' | 'summary' | 'needs' | 'offeredBy' | 'reminderDueAt' | 'correlationId'>;

const CASE_COLUMNS: Record<keyof Omit<ReferralCase, 'referralId'>, string> = {
  status: 'status',
  linkWorkerId: 'link_worker_id',
  needs: 'needs',
  urgency: 'urgency',
  practiceOdsCode: 'practice_ods_code',
  practiceName: 'practice_name',
  area: 'area',
  receivedAt: 'received_at',
  statusChangedAt: 'status_changed_at',
  acceptedOrganisationId: 'accepted_organisation_id',
  contactAttempts: 'contact_attempts',
  sessionsAttended: 'sessions_attended',
  sessionsMissed: 'sessions_missed',
  closedAt: 'closed_at',
  closeReason: 'close_reason',
  correlationId: 'correlation_id',
};

/** All of the tasks module's SQL. Every write takes the caller's transaction. */
@Injectable()
export class TasksStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  // ── referrals ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Records a referral once, with the person's details (sealed) when given, in one statement. A referral
   * already known (a redelivered referral.received) is left as it is, and so are its details.
   */
  async insertCase(
    manager: EntityManager,
    referral: Omit<ReferralCase, 'statusChangedAt' | 'acceptedOrganisationId' | 'contactAttempts' | 'sessionsAttended' | 'sessionsMissed' | 'closedAt' | 'closeReason'>,
    sealedDetails: string | null,
  ): Promise<void> {
    await preparedQuery(
      manager,
      `${NOTIFIER_SCHEMA}_case_insert`,
      `WITH "created" AS (
         INSERT INTO ${S}."referral" ("referral_id", "status", "link_worker_id", "needs", "urgency", "practice_ods_code", "practice_name", "area", "received_at", "correlation_id")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING "referral_id"
       )
       INSERT INTO ${S}."person_details" ("referral_id", "sealed") SELECT "referral_id", $11::text FROM "created" WHERE $11::text IS NOT NULL ON CONFLICT DO NOTHING`,
      [referral.referralId, referral.status, referral.linkWorkerId, JSON.stringify(referral.needs), referral.urgency, referral.practiceOdsCode, referral.practiceName, referral.area, referral.receivedAt, referral.correlationId, sealedDetails],
    );
  }

  /** A cancellation or consent withdrawal handled before the referral was routed here. */
  async recordEndedBeforeRouting(manager: EntityManager, referralId: string, eventType: string, endedAt: Date): Promise<void> {
    await manager.query(`INSERT INTO ${S}."ended_before_routing" ("referral_id", "event_type", "ended_at") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [referralId, eventType, endedAt]);
  }

  async endedBeforeRouting(manager: EntityManager, referralId: string): Promise<{ eventType: string } | undefined> {
    const [row] = await preparedQuery<{ eventType: string }>(
      manager,
      `${NOTIFIER_SCHEMA}_ended_before_routing`,
      `SELECT "event_type" AS "eventType" FROM ${S}."ended_before_routing" WHERE "referral_id" = $1`,
      [referralId],
    );
    return row;
  }

  async lockCase(manager: EntityManager, referralId: string): Promise<ReferralCase | undefined> {
    const [row] = await manager.query(`SELECT * FROM ${S}."referral" WHERE "referral_id" = $1 FOR UPDATE`, [referralId]);
    return row ? toCase(row) : undefined;
  }

  async findCase(referralId: string, manager: EntityManager = this.dataSource.manager): Promise<ReferralCase | undefined> {
    const [row] = await manager.query(`SELECT * FROM ${S}."referral" WHERE "referral_id" = $1`, [referralId]);
    return row ? toCase(row) : undefined;
  }

  async updateCase(manager: EntityManager, referralId: string, patch: Partial<Omit<ReferralCase, 'referralId'>>): Promise<void> {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as Array<[keyof typeof CASE_COLUMNS, unknown]>;
    if (entries.length === 0) return;
    const sets = entries.map(([key], index) => `"${CASE_COLUMNS[key]}" = $${index + 2}`);
    await manager.query(`UPDATE ${S}."referral" SET ${sets.join(', ')} WHERE "referral_id" = $1`, [referralId, ...entries.map(([key, value]) => (key === 'needs' ? JSON.stringify(value) : value))]);
  }

  /** The viewer's caseload: referrals they are the link worker for or hold a task on, newest first. */
  async caseload(viewer: Viewer, limit = 500): Promise<Array<ReferralCase & { tasks: Task[] }>> {
    const rows: Row[] =
      viewer.kind === 'link-worker'
        ? await this.dataSource.query(
            `SELECT r.* FROM ${S}."referral" r
             WHERE r."link_worker_id" = $1
                OR EXISTS (SELECT 1 FROM ${S}."task" t WHERE t."referral_id" = r."referral_id" AND t."recipient_type" = 'link-worker' AND t."recipient_id" = $1)
             ORDER BY r."received_at" DESC LIMIT $2`,
            [viewer.id, limit],
          )
        : await this.dataSource.query(
            `SELECT r.* FROM ${S}."referral" r
             JOIN ${S}."task" t ON t."referral_id" = r."referral_id" AND t."recipient_type" = 'organisation' AND t."recipient_id" = $1
             ORDER BY r."received_at" DESC LIMIT $2`,
            [viewer.id, limit],
          );
    const cases = rows.map(toCase);
    const tasks = await this.tasksOfMany(cases.map((referral) => referral.referralId));
    return cases.map((referral) => ({ ...referral, tasks: tasks.filter((task) => task.referralId === referral.referralId) }));
  }

  // ── tasks ────────────────────────────────────────────────────────────────────────────────────────

  tasksOf(referralId: string, manager: EntityManager = this.dataSource.manager): Promise<Task[]> {
    return manager.find(Task, { where: { referralId }, order: { createdAt: 'ASC' } });
  }

  private async tasksOfMany(referralIds: string[]): Promise<Task[]> {
    if (referralIds.length === 0) return [];
    return this.dataSource.getRepository(Task).createQueryBuilder('task').where('task.referral_id = ANY(:ids)', { ids: referralIds }).getMany();
  }

  findTask(taskId: string, manager: EntityManager = this.dataSource.manager): Promise<Task | null> {
    return manager.findOneBy(Task, { id: taskId });
  }

  lockTask(manager: EntityManager, taskId: string): Promise<Task | null> {
    return manager.findOne(Task, { where: { id: taskId }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * Inserts offers, once per (referral, recipient) (the table's unique constraint), in one statement. Returns
   * the tasks inserted, in the order given; a recipient already holding an offer for the referral is left out.
   * Callers offering one referral hold its lock (routing the advisory lock, the hand-off the referral's row),
   * so two such inserts never wait on each other's rows in opposite orders.
   */
  async insertTasks(manager: EntityManager, tasks: NewTask[]): Promise<Task[]> {
    if (tasks.length === 0) return [];
    const rows = await preparedQuery<Row>(
      manager,
      `${NOTIFIER_SCHEMA}_task_insert`,
      `INSERT INTO ${S}."task" ("id", "referral_id", "recipient_type", "recipient_id", "reason", "status", "summary", "needs", "offered_by", "reminder_due_at", "correlation_id")
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS "offer" ("id" uuid, "referral_id" uuid, "recipient_type" text, "recipient_id" uuid, "reason" text, "status" text,
                                                             "summary" jsonb, "needs" jsonb, "offered_by" text, "reminder_due_at" timestamptz, "correlation_id" text)
       ON CONFLICT DO NOTHING RETURNING *`,
      [
        JSON.stringify(
          tasks.map((task) => ({
            id: task.id,
            referral_id: task.referralId,
            recipient_type: task.recipientType,
            recipient_id: task.recipientId,
            reason: task.reason,
            status: task.status,
            summary: task.summary,
            needs: task.needs,
            offered_by: task.offeredBy,
            reminder_due_at: task.reminderDueAt,
            correlation_id: task.correlationId,
          })),
        ),
      ],
    );
    const inserted = new Map(rows.map((row) => [row.id as string, toTask(manager, row)]));
    return tasks.flatMap((task) => inserted.get(task.id) ?? []);
  }

  async decideTask(manager: EntityManager, taskId: string, decision: { status: Extract<TaskStatus, 'accepted' | 'declined'>; decidedAt: Date; declineReason: string | null; declineText: string | null }): Promise<void> {
    await manager.update(Task, { id: taskId, status: 'open' }, decision);
  }

  /** Takes open offers back; returns the ones that were still open. */
  async withdrawTasks(manager: EntityManager, taskIds: string[], reason: WithdrawnReason, at: Date): Promise<string[]> {
    if (taskIds.length === 0) return [];
    const rows = returned<{ id: string }>(await manager.query(
      `UPDATE ${S}."task" SET "status" = 'withdrawn', "withdrawn_at" = $2, "withdrawn_reason" = $3 WHERE "id" = ANY($1) AND "status" = 'open' RETURNING "id"`,
      [taskIds, at, reason],
    ));
    return rows.map((row) => row.id);
  }

  // ── reminders and escalations ────────────────────────────────────────────────────────────────────

  async markReminded(manager: EntityManager, taskId: string, remindedAt: Date, escalationDueAt: Date): Promise<void> {
    await manager.update(Task, { id: taskId }, { remindedAt, escalationDueAt });
  }

  async markEscalated(manager: EntityManager, taskId: string, escalatedAt: Date): Promise<void> {
    await manager.update(Task, { id: taskId }, { escalatedAt });
  }

  /** How many open tasks have a reminder, and an escalation, due and not yet sent: for the metrics. */
  async followUpsDue(): Promise<{ reminder: number; escalation: number }> {
    const [row] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE "reminder_due_at" <= now() AND "reminded_at" IS NULL)::int AS "reminder",
              count(*) FILTER (WHERE "escalation_due_at" <= now() AND "escalated_at" IS NULL)::int AS "escalation"
         FROM ${S}."task" WHERE "status" = 'open'`,
    );
    return row;
  }

  /** Open tasks whose reminder or escalation has not happened yet, in id order after a keyset cursor. */
  tasksAwaitingFollowUp(after: string | null, limit: number): Promise<TaskReminderState[]> {
    return this.dataSource.query(
      `SELECT "id", "reminder_due_at" AS "reminderDueAt", "reminded_at" AS "remindedAt", "escalation_due_at" AS "escalationDueAt",
              "escalated_at" AS "escalatedAt", "correlation_id" AS "correlationId"
       FROM ${S}."task"
       WHERE "status" = 'open' AND (("reminder_due_at" IS NOT NULL AND "reminded_at" IS NULL) OR ("escalation_due_at" IS NOT NULL AND "escalated_at" IS NULL))
         AND ($1::uuid IS NULL OR "id" > $1)
       ORDER BY "id" LIMIT $2`,
      [after, limit],
    );
  }

  // ── routing's suggestions ────────────────────────────────────────────────────────────────────────

  async suggestions(referralId: string): Promise<RoutingTask[]> {
    const [row] = await this.dataSource.query(`SELECT "suggestions" FROM ${S}."routing_decision" WHERE "referral_id" = $1`, [referralId]);
    return (row?.suggestions as RoutingTask[] | undefined) ?? [];
  }

  // ── the person's details ─────────────────────────────────────────────────────────────────────────

  async sealedDetails(referralId: string, manager: EntityManager = this.dataSource.manager): Promise<string | undefined> {
    const [row] = await manager.query(`SELECT "sealed" FROM ${S}."person_details" WHERE "referral_id" = $1`, [referralId]);
    return row?.sealed as string | undefined;
  }

  /** Starts the retention clock (the earliest end wins). */
  async scheduleDetailsDeletion(manager: EntityManager, referralId: string, deleteAfter: Date): Promise<void> {
    await manager.query(
      `UPDATE ${S}."person_details" SET "delete_after" = LEAST(COALESCE("delete_after", $2), $2) WHERE "referral_id" = $1`,
      [referralId, deleteAfter],
    );
  }

  async deleteDetails(manager: EntityManager, referralId: string): Promise<boolean> {
    const rows = returned(await manager.query(`DELETE FROM ${S}."person_details" WHERE "referral_id" = $1 RETURNING "referral_id"`, [referralId]));
    return rows.length > 0;
  }

  /** Deletes details whose retention has run out; returns the referrals they belonged to. */
  async deleteExpiredDetails(now: Date, limit = 500): Promise<string[]> {
    const rows = returned<{ referral_id: string }>(await this.dataSource.query(
      `DELETE FROM ${S}."person_details" WHERE "referral_id" IN (
         SELECT "referral_id" FROM ${S}."person_details" WHERE "delete_after" <= $1 ORDER BY "delete_after" LIMIT $2 FOR UPDATE SKIP LOCKED
       ) RETURNING "referral_id"`,
      [now, limit],
    ));
    return rows.map((row) => row.referral_id);
  }

  async auditView(manager: EntityManager, referralId: string, viewer: Viewer & { email?: string }, fields: string): Promise<void> {
    await manager.query(`INSERT INTO ${S}."details_view" ("referral_id", "viewer_kind", "viewer_id", "viewer_email", "fields") VALUES ($1, $2, $3, $4, $5)`, [
      referralId,
      viewer.kind,
      viewer.id,
      viewer.email ?? null,
      fields,
    ]);
  }

  async views(referralId: string): Promise<DetailsViewRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT "viewer_kind", "viewer_id", "viewer_email", "fields", "viewed_at" FROM ${S}."details_view" WHERE "referral_id" = $1 ORDER BY "viewed_at"`,
      [referralId],
    );
    return rows.map((row) => ({ viewerKind: row.viewer_kind as string, viewerId: row.viewer_id as string, viewerEmail: (row.viewer_email as string | null) ?? null, fields: row.fields as string, viewedAt: row.viewed_at as Date }));
  }

  // ── what was recorded ────────────────────────────────────────────────────────────────────────────

  async insertOutcome(manager: EntityManager, outcome: Omit<RecordedOutcomeRow, 'id'> & { id?: string }): Promise<boolean> {
    const rows = await manager.query(
      `INSERT INTO ${S}."recorded_outcome" ("id", "referral_id", "kind", "occurred_at", "reason", "attempts", "recorded_by_kind", "recorded_by_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING "id"`,
      [outcome.id ?? randomUUID(), outcome.referralId, outcome.kind, outcome.occurredAt, outcome.reason, outcome.attempts, outcome.recordedByKind, outcome.recordedById],
    );
    return rows.length > 0;
  }

  async outcomes(referralId: string): Promise<RecordedOutcomeRow[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT * FROM ${S}."recorded_outcome" WHERE "referral_id" = $1 ORDER BY "occurred_at", "recorded_at"`, [referralId]);
    return rows.map((row) => ({
      id: row.id as string,
      referralId: row.referral_id as string,
      kind: row.kind as string,
      occurredAt: row.occurred_at as Date,
      reason: (row.reason as string | null) ?? null,
      attempts: (row.attempts as number | null) ?? null,
      recordedByKind: row.recorded_by_kind as string,
      recordedById: row.recorded_by_id as string,
    }));
  }

  async insertMeasure(manager: EntityManager, measure: RecordedMeasureRow): Promise<boolean> {
    const rows = await manager.query(
      `INSERT INTO ${S}."recorded_measure" ("id", "referral_id", "measure", "timepoint", "items", "score", "recorded_by_kind", "recorded_by_id", "recorded_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING "id"`,
      [measure.id, measure.referralId, measure.measure, measure.timepoint, JSON.stringify(measure.items), JSON.stringify(measure.score), measure.recordedByKind, measure.recordedById, measure.recordedAt],
    );
    return rows.length > 0;
  }

  async measures(referralId: string): Promise<RecordedMeasureRow[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT * FROM ${S}."recorded_measure" WHERE "referral_id" = $1 ORDER BY "recorded_at"`, [referralId]);
    return rows.map((row) => ({
      id: row.id as string,
      referralId: row.referral_id as string,
      measure: row.measure as string,
      timepoint: row.timepoint as string,
      items: row.items as number[],
      score: row.score as Record<string, number>,
      recordedByKind: row.recorded_by_kind as string,
      recordedById: row.recorded_by_id as string,
      recordedAt: row.recorded_at as Date,
    }));
  }
}
