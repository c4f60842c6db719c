import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '@app/shared';
import { INTAKE_SCHEMA } from '../environment';
import { CallbackState, StatusCallback, StatusCallbackAttempt } from './status-callback.entity';

const S = `"${INTAKE_SCHEMA}"`;

/** The status module's tables: callbacks to senders and every attempt to deliver them. */
@Injectable()
export class StatusStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A pending callback, in the caller's transaction: one insert (TypeORM's save read the row by id before
   * inserting it).
   */
  async createCallback(manager: EntityManager, callback: Omit<StatusCallback, 'createdAt' | 'lastError' | 'deliveredAt' | 'state' | 'attempts'>): Promise<void> {
    await preparedQuery(
      manager,
      'intake_status_callback_insert',
      `INSERT INTO ${S}."status_callback" ("id", "referral_id", "sender_id", "event_id", "status", "url", "payload", "state", "attempts") VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0)`,
      [callback.id, callback.referralId, callback.senderId, callback.eventId, callback.status, callback.url, JSON.stringify(callback.payload)],
    );
  }

  findCallback(id: string): Promise<StatusCallback | null> {
    return this.dataSource.getRepository(StatusCallback).findOneBy({ id });
  }

  /** One delivery attempt and where it leaves the callback, together. */
  async recordAttempt(
    attempt: Omit<StatusCallbackAttempt, 'id'>,
    outcome: { state: CallbackState; deliveredAt: Date | null },
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(StatusCallbackAttempt, attempt);
      await manager.update(StatusCallback, { id: attempt.callbackId }, { attempts: attempt.attempt, state: outcome.state, lastError: attempt.error, deliveredAt: outcome.deliveredAt });
    });
  }

  /** Replaying a dead-lettered callback: back to pending for a fresh round of attempts. */
  async reopen(manager: EntityManager, callbackId: string): Promise<void> {
    await manager.query(`UPDATE ${S}."status_callback" SET "state" = 'pending' WHERE "id" = $1 AND "state" IN ('failed', 'gone')`, [callbackId]);
  }

  /** Callbacks pending for longer than `olderThanMs`, in id order after `after`: the sweep's candidates. */
  pendingCallbacks(olderThanMs: number, after: string | null, limit: number): Promise<Array<{ id: string; correlationId: string | null }>> {
    return this.dataSource.query(
      `SELECT c."id", r."correlation_id" AS "correlationId"
       FROM ${S}."status_callback" c LEFT JOIN ${S}."referral" r ON r."id" = c."referral_id"
       WHERE c."state" = 'pending' AND c."created_at" < now() - make_interval(secs => $1) AND ($2::uuid IS NULL OR c."id" > $2)
       ORDER BY c."id" LIMIT $3`,
      [olderThanMs / 1000, after, limit],
    );
  }

  /** Callbacks by state, for the metrics. */
  countsByState(): Promise<Array<{ state: string; count: number }>> {
    return this.dataSource.query(`SELECT "state", count(*)::int AS "count" FROM ${S}."status_callback" GROUP BY "state"`);
  }

  /** Attempts by result (2xx, 4xx, 5xx... or network when no HTTP answer came), for the metrics. */
  attemptsByResult(): Promise<Array<{ result: string; count: number }>> {
    return this.dataSource.query(
      `SELECT CASE WHEN "http_status" IS NULL THEN 'network' ELSE (("http_status" / 100)::int)::text || 'xx' END AS "result", count(*)::int AS "count"
         FROM ${S}."status_callback_attempt" GROUP BY 1`,
    );
  }
}
