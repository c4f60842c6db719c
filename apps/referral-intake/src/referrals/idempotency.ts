import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { JobHandler, JobName, ProblemException, Statement, describeError, preparedQuery, problem } from '@app/shared';
import { INTAKE_SCHEMA, IntakeEnvironment } from '../environment';

const S = `"${INTAKE_SCHEMA}"`;

export type KeyScope = 'idempotency-key' | 'webhook-id';

export interface RequestKey {
  scope: KeyScope;
  key: string;
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** A replay names the keys this request claimed anew (a fresh webhook-id beside a known Idempotency-Key), which are not kept. */
export type Claim = { kind: 'claimed' } | { kind: 'replay'; response: StoredResponse; claimed: RequestKey[] };

const KEY_LABEL: Record<KeyScope, string> = { 'idempotency-key': 'Idempotency-Key', 'webhook-id': 'webhook-id' };

export function requestHash(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The IETF draft quotes the key ("<uuid>"); a bare token is accepted too. */
export function parseIdempotencyKey(header: unknown): string | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const value = header.trim().replace(/^"(.*)"$/, '$1');
  if (!/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new ProblemException(problem(400, 'Idempotency-Key must be 1-255 visible ASCII characters, e.g. a quoted UUID'));
  }
  return value;
}

/**
 * Idempotency-Key and webhook-id records in Postgres. The primary key makes a claim race-safe: of two
 * concurrent requests with one key, exactly one inserts; the other waits for its transaction and then sees
 * its row, or none if it stored nothing or its process died.
 * Records are kept IDEMPOTENCY_RETENTION_HOURS, then purged.
 */
@Injectable()
export class IdempotencyStore {
  private readonly logger = new Logger(IdempotencyStore.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: IntakeEnvironment,
  ) {}

  /**
   * Claims the keys inside the transaction that will store the request's effects. A concurrent request with
   * the same key waits on the primary key until that transaction ends, then sees its stored response (or,
   * if it stored nothing or its process died, claims the key itself): there is never a committed claim
   * without its effects, so a client retrying after a crash is not told "still being processed".
   *
   * One statement (claimStatement). With `presumed`, the claim is written already completed with that
   * response, so the usual outcome needs no second write (complete() corrects it when the outcome differs).
   */
  async claim(manager: EntityManager, senderId: string, keys: RequestKey[], hash: string, presumed?: StoredResponse): Promise<Claim> {
    const scopes = keys.map((key) => key.scope);
    const values = keys.map((key) => key.key);
    const statement = this.claimStatement(senderId, keys, hash, presumed);
    const inserted = await preparedQuery<{ scope: KeyScope; key: string }>(manager, 'intake_idempotency_claim', statement.text, statement.values);
    if (inserted.length === keys.length) return { kind: 'claimed' };
    const mine = new Set(inserted.map((row) => `${row.scope}\n${row.key}`));
    const rows: Array<{ scope: KeyScope; key: string; request_hash: string; state: string; response_status: number | null; response_body: unknown }> = await manager.query(
      `SELECT "scope", "key", "request_hash", "state", "response_status", "response_body" FROM ${S}."idempotency_key"
       WHERE "sender_id" = $1 AND ("scope", "key") IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [senderId, scopes, values],
    );
    const existing = rows.filter((row) => !mine.has(`${row.scope}\n${row.key}`));
    const mismatch = existing.find((row) => row.request_hash !== hash);
    if (mismatch) {
      throw new ProblemException(
        problem(422, `This ${KEY_LABEL[mismatch.scope]} was already used for a different request body. Use a new key for a new request.`),
      );
    }
    const completed = existing.find((row) => row.state === 'completed' && row.response_status !== null);
    if (completed) {
      const claimed = keys.filter((key) => mine.has(`${key.scope}\n${key.key}`));
      return { kind: 'replay', response: { status: completed.response_status!, body: completed.response_body }, claimed };
    }
    throw new ProblemException(problem(409, 'A request with this key is still being processed. Retry shortly.'), { 'Retry-After': '1' });
  }

  /**
   * The claim as one statement: a key past its retention, or left 'in-flight' by a version that claimed in a
   * transaction of its own, is taken over in place. It returns a row for each key it claimed: all of them,
   * unless some key is held by another request.
   */
  claimStatement(senderId: string, keys: RequestKey[], hash: string, presumed?: StoredResponse): Statement {
    return {
      text: `INSERT INTO ${S}."idempotency_key" AS k ("sender_id", "scope", "key", "request_hash", "state", "response_status", "response_body", "expires_at")
       SELECT $1::text, u.scope, u.key, $4::text, $6::text, $7::int, $8::jsonb, now() + make_interval(hours => $5) FROM unnest($2::text[], $3::text[]) AS u(scope, key)
       ON CONFLICT ("sender_id", "scope", "key") DO UPDATE SET "request_hash" = EXCLUDED."request_hash", "state" = EXCLUDED."state",
         "response_status" = EXCLUDED."response_status", "response_body" = EXCLUDED."response_body", "created_at" = now(), "expires_at" = EXCLUDED."expires_at"
       WHERE k."expires_at" < now() OR (k."state" = 'in-flight' AND k."created_at" < now() - interval '5 minutes')
       RETURNING k."scope", k."key"`,
      values: [
        senderId,
        keys.map((key) => key.scope),
        keys.map((key) => key.key),
        hash,
        this.env.IDEMPOTENCY_RETENTION_HOURS,
        presumed ? 'completed' : 'in-flight',
        presumed?.status ?? null,
        presumed ? JSON.stringify(presumed.body) : null,
      ],
    };
  }

  /** Stores the response inside the transaction that made the request's effects durable. */
  async complete(manager: EntityManager, senderId: string, keys: RequestKey[], response: StoredResponse): Promise<void> {
    await manager.query(
      `UPDATE ${S}."idempotency_key" SET "state" = 'completed', "response_status" = $4, "response_body" = $5
       WHERE "sender_id" = $1 AND ("scope", "key") IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [senderId, keys.map((key) => key.scope), keys.map((key) => key.key), response.status, JSON.stringify(response.body)],
    );
  }

  /** Keys this request claimed but that stored nothing are not kept: a retry is treated as new. */
  async release(manager: EntityManager, senderId: string, claimed: RequestKey[]): Promise<void> {
    if (claimed.length === 0) return;
    await manager.query(
      `DELETE FROM ${S}."idempotency_key" WHERE "sender_id" = $1 AND ("scope", "key") IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [senderId, claimed.map((key) => key.scope), claimed.map((key) => key.key)],
    );
  }

  async purgeExpired(): Promise<number> {
    const result = await this.dataSource.query(`DELETE FROM ${S}."idempotency_key" WHERE "expires_at" < now()`);
    return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
  }

  /** Scheduled on the job runner (see intake-jobs.ts): once an hour, on one replica. */
  @JobHandler(JobName.PurgeIdempotencyKeys)
  async purgeOnSchedule(): Promise<void> {
    const purged = await this.purgeExpired();
    if (purged > 0) this.logger.log(`Purged ${purged} expired idempotency key(s)`);
  }
}
