import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { OUTCOMES_SCHEMA } from '../environment';
import { hashApiKey, newApiKey, newSalt } from '../privacy/secrets';
import { COMMISSIONER_KEY_PREFIX, Commissioner, CommissionerKind, NewCommissioner, ScopeLevel, scopeProblems } from './commissioner';

const S = `"${OUTCOMES_SCHEMA}"`;

interface CommissionerRow {
  id: string;
  name: string;
  kind: CommissionerKind;
  scope_level: ScopeLevel;
  scope_codes: string[];
  pseudonym_salt: string;
}

function fromRow(row: CommissionerRow): Commissioner {
  return { id: row.id, name: row.name, kind: row.kind, scopeLevel: row.scope_level, scopeCodes: row.scope_codes, pseudonymSalt: row.pseudonym_salt };
}

/**
 * The commissioner table. Injected in the app; scripts, the CLI and tests build one on any DataSource on the
 * outcomes database (migrations run).
 */
@Injectable()
export class CommissionerStore {
  constructor(@InjectDataSource() private readonly db: DataSource | EntityManager) {}

  /** Registers a commissioner and returns its API key, the only time the key exists in plain: we keep its hash. */
  async register(input: NewCommissioner): Promise<{ commissioner: Commissioner; apiKey: string }> {
    const problems = scopeProblems(input.scope);
    if (problems.length > 0) throw new Error(`Invalid commissioner scope: ${problems.join('; ')}`);
    const apiKey = newApiKey(COMMISSIONER_KEY_PREFIX);
    const commissioner: Commissioner = {
      id: randomUUID(),
      name: input.name,
      kind: input.kind ?? 'commissioner',
      scopeLevel: input.scope.level,
      scopeCodes: [...new Set(input.scope.codes)],
      pseudonymSalt: newSalt(),
    };
    await this.db.query(
      `INSERT INTO ${S}."commissioner" ("id", "name", "kind", "api_key_hash", "scope_level", "scope_codes", "pseudonym_salt") VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [commissioner.id, commissioner.name, commissioner.kind, hashApiKey(apiKey), commissioner.scopeLevel, commissioner.scopeCodes, commissioner.pseudonymSalt],
    );
    return { commissioner, apiKey };
  }

  async findByKey(apiKey: string): Promise<Commissioner | null> {
    const [row] = await this.db.query(
      `SELECT "id", "name", "kind", "scope_level", "scope_codes", "pseudonym_salt" FROM ${S}."commissioner" WHERE "api_key_hash" = $1 AND "revoked_at" IS NULL`,
      [hashApiKey(apiKey)],
    );
    return row ? fromRow(row) : null;
  }

  async list(): Promise<Array<Commissioner & { revokedAt: Date | null }>> {
    const rows = await this.db.query(`SELECT "id", "name", "kind", "scope_level", "scope_codes", "pseudonym_salt", "revoked_at" FROM ${S}."commissioner" ORDER BY "created_at"`);
    return rows.map((row: CommissionerRow & { revoked_at: Date | null }) => ({ ...fromRow(row), revokedAt: row.revoked_at }));
  }

  async revoke(id: string): Promise<boolean> {
    const [, count] = await this.db.query(`UPDATE ${S}."commissioner" SET "revoked_at" = now() WHERE "id" = $1 AND "revoked_at" IS NULL`, [id]);
    return count > 0;
  }
}
