import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { hashApiKey, newApiKey, newSalt } from '../privacy/secrets';

export const SCOPE_LEVELS = ['icb', 'sub-icb', 'pcn', 'practice'] as const;
export type ScopeLevel = (typeof SCOPE_LEVELS)[number];

export const COMMISSIONER_KINDS = ['commissioner', 'evaluator'] as const;
export type CommissionerKind = (typeof COMMISSIONER_KINDS)[number];

/** Who commissions (or evaluates) what: every feed, report and extract is cut to this scope. */
export interface Commissioner {
  id: string;
  name: string;
  kind: CommissionerKind;
  scopeLevel: ScopeLevel;
  scopeCodes: string[];
  pseudonymSalt: string;
}

export interface NewCommissioner {
  name: string;
  kind?: CommissionerKind;
  scope: { level: ScopeLevel; codes: string[] };
}

const CODE_FORMATS: Record<ScopeLevel, RegExp> = {
  icb: /^Q[A-Z0-9]{2}$/,
  'sub-icb': /^[A-Z0-9]{3}$/,
  pcn: /^U\d{5}$/,
  practice: /^[A-Z]\d{5}$/,
};

export const COMMISSIONER_KEY_PREFIX = 'spc';

export function scopeProblems(scope: NewCommissioner['scope']): string[] {
  if (!SCOPE_LEVELS.includes(scope.level)) return [`scope level must be one of ${SCOPE_LEVELS.join(', ')}`];
  if (scope.codes.length === 0) return ['a scope needs at least one code'];
  return scope.codes.filter((code) => !CODE_FORMATS[scope.level].test(code)).map((code) => `${code} is not a ${scope.level} code`);
}

/**
 * Registers a commissioner and returns its API key, the only time the key exists in plain: we keep its
 * hash. Usable from scripts and tests with any DataSource on the outcomes database (migrations run).
 */
export async function registerCommissioner(
  dataSource: DataSource | EntityManager,
  input: NewCommissioner,
): Promise<{ commissioner: Commissioner; apiKey: string }> {
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
  await dataSource.query(
    `INSERT INTO "outcomes"."commissioner" ("id", "name", "kind", "api_key_hash", "scope_level", "scope_codes", "pseudonym_salt") VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [commissioner.id, commissioner.name, commissioner.kind, hashApiKey(apiKey), commissioner.scopeLevel, commissioner.scopeCodes, commissioner.pseudonymSalt],
  );
  return { commissioner, apiKey };
}

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

export async function findCommissionerByKey(dataSource: DataSource, apiKey: string): Promise<Commissioner | null> {
  const [row] = await dataSource.query(
    `SELECT "id", "name", "kind", "scope_level", "scope_codes", "pseudonym_salt" FROM "outcomes"."commissioner" WHERE "api_key_hash" = $1 AND "revoked_at" IS NULL`,
    [hashApiKey(apiKey)],
  );
  return row ? fromRow(row) : null;
}

export async function listCommissioners(dataSource: DataSource): Promise<Array<Commissioner & { revokedAt: Date | null }>> {
  const rows = await dataSource.query(
    `SELECT "id", "name", "kind", "scope_level", "scope_codes", "pseudonym_salt", "revoked_at" FROM "outcomes"."commissioner" ORDER BY "created_at"`,
  );
  return rows.map((row: CommissionerRow & { revoked_at: Date | null }) => ({ ...fromRow(row), revokedAt: row.revoked_at }));
}

export async function revokeCommissioner(dataSource: DataSource, id: string): Promise<boolean> {
  const [, count] = await dataSource.query(`UPDATE "outcomes"."commissioner" SET "revoked_at" = now() WHERE "id" = $1 AND "revoked_at" IS NULL`, [id]);
  return count > 0;
}

/** SQL restricting "referral" rows (alias r) to a commissioner's area; parameters start at $index. */
export function scopeCondition(commissioner: Commissioner, alias: string, index: number): { sql: string; params: unknown[] } {
  const column = { icb: 'icb_code', 'sub-icb': 'sub_icb_code', pcn: 'pcn_ods_code', practice: 'practice_ods_code' }[commissioner.scopeLevel];
  return { sql: `${alias}."${column}" = ANY($${index}::text[])`, params: [commissioner.scopeCodes] };
}
