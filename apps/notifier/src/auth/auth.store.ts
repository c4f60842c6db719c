import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NOTIFIER_SCHEMA } from '../environment';
import type { PersonKind } from './workspace-user';

const S = `"${NOTIFIER_SCHEMA}"`;

export interface StoredSession {
  personKind: PersonKind | null;
  personId: string | null;
  email: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
  lastSeenAt: Date;
}

export interface SessionWrite {
  person: { kind: PersonKind; id: string; email: string } | null;
  data: Record<string, unknown>;
}

/** All of sign-in's SQL: link requests, single-use link tokens and server-side sessions (tokens and sessions keyed by SHA-256 hashes). */
@Injectable()
export class AuthStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async saveToken(token: { hash: Buffer; kind: PersonKind; id: string; email: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${S}."sign_in_token" ("token_hash", "person_kind", "person_id", "email", "created_at", "expires_at") VALUES ($1, $2, $3, $4, $5, $6)`,
      [token.hash, token.kind, token.id, token.email, token.createdAt, token.expiresAt],
    );
  }

  async insertSignInRequest(request: { id: string; email: string; requestedAt: Date }): Promise<void> {
    await this.dataSource.query(`INSERT INTO ${S}."sign_in_request" ("id", "email", "requested_at") VALUES ($1, $2, $3)`, [request.id, request.email, request.requestedAt]);
  }

  async unhandledSignInRequest(id: string): Promise<{ id: string; email: string; requestedAt: Date } | null> {
    const rows = await this.dataSource.query(
      `SELECT "id", "email", "requested_at" AS "requestedAt" FROM ${S}."sign_in_request" WHERE "id" = $1 AND "handled_at" IS NULL`,
      [id],
    );
    return rows[0] ?? null;
  }

  async markSignInRequestHandled(id: string, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE ${S}."sign_in_request" SET "handled_at" = $2 WHERE "id" = $1`, [id, at]);
  }

  /** Requests not yet handled, in id order after a keyset cursor: each must have its job. */
  async unhandledSignInRequestIds(after: string | null, limit: number): Promise<Array<{ id: string }>> {
    return this.dataSource.query(
      `SELECT "id" FROM ${S}."sign_in_request" WHERE "handled_at" IS NULL AND ($1::uuid IS NULL OR "id" > $1) ORDER BY "id" LIMIT $2`,
      [after, limit],
    );
  }

  /** Marks the token used if it is unused and unexpired, atomically: two clicks on one link sign in once. */
  async consumeToken(hash: Buffer, now: Date): Promise<{ kind: PersonKind; id: string; email: string } | null> {
    const [rows] = await this.dataSource.query(
      `UPDATE ${S}."sign_in_token" SET "used_at" = $2
       WHERE "token_hash" = $1 AND "used_at" IS NULL AND "expires_at" > $2
       RETURNING "person_kind" AS "kind", "person_id" AS "id", "email"`,
      [hash, now],
    );
    return rows?.[0] ?? null;
  }

  async findSession(idHash: Buffer): Promise<StoredSession | null> {
    const rows: StoredSession[] = await this.dataSource.query(
      `SELECT "person_kind" AS "personKind", "person_id" AS "personId", "email", "data", "created_at" AS "createdAt", "last_seen_at" AS "lastSeenAt"
       FROM ${S}."workspace_session" WHERE "id_hash" = $1`,
      [idHash],
    );
    return rows[0] ?? null;
  }

  async touchSession(idHash: Buffer, now: Date): Promise<void> {
    await this.dataSource.query(`UPDATE ${S}."workspace_session" SET "last_seen_at" = $2 WHERE "id_hash" = $1`, [idHash, now]);
  }

  async insertSession(idHash: Buffer, session: SessionWrite, now: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${S}."workspace_session" ("id_hash", "person_kind", "person_id", "email", "data", "created_at", "last_seen_at")
       VALUES ($1, $2, $3, $4, $5, $6, $6)`,
      [idHash, session.person?.kind ?? null, session.person?.id ?? null, session.person?.email ?? null, session.data, now],
    );
  }

  /** Updates a session that still exists; never brings back one that was signed out meanwhile. */
  async updateSession(idHash: Buffer, session: SessionWrite, now: Date): Promise<boolean> {
    const [, affected] = await this.dataSource.query(
      `UPDATE ${S}."workspace_session" SET "person_kind" = $2, "person_id" = $3, "email" = $4, "data" = $5, "last_seen_at" = $6 WHERE "id_hash" = $1`,
      [idHash, session.person?.kind ?? null, session.person?.id ?? null, session.person?.email ?? null, session.data, now],
    );
    return affected > 0;
  }

  async deleteSession(idHash: Buffer): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${S}."workspace_session" WHERE "id_hash" = $1`, [idHash]);
  }

  /** Sign out everywhere: every session of that person, on every device. */
  async deletePersonSessions(kind: PersonKind, id: string): Promise<number> {
    const [, affected] = await this.dataSource.query(`DELETE FROM ${S}."workspace_session" WHERE "person_kind" = $1 AND "person_id" = $2`, [kind, id]);
    return affected;
  }

  /** Drops sessions past either limit and links past their expiry (a day late, so "already used" stays explainable). */
  async purgeExpired(now: Date, limits: { idleSeconds: number; maxSeconds: number }): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM ${S}."workspace_session" WHERE "last_seen_at" <= $1 OR "created_at" <= $2`,
      [new Date(now.getTime() - limits.idleSeconds * 1000), new Date(now.getTime() - limits.maxSeconds * 1000)],
    );
    const dayAgo = new Date(now.getTime() - 24 * 3600 * 1000);
    await this.dataSource.query(`DELETE FROM ${S}."sign_in_token" WHERE "expires_at" < $1`, [dayAgo]);
    await this.dataSource.query(`DELETE FROM ${S}."sign_in_request" WHERE "requested_at" < $1`, [dayAgo]);
  }
}
