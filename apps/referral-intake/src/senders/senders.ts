import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { isPracticeOdsCode } from '@app/shared';
import { generateSigningSecret, sealSecret } from './secret-box';
import { CALLBACK_FORMATS, CallbackFormat } from './sender.entity';

/** What may be shown about a sender: never its secrets. */
export interface SenderSummary {
  id: string;
  name: string;
  practiceOdsCodes: string[];
  callbackUrl: string | null;
  callbackFormat: CallbackFormat;
  activeSecrets: number;
  disabled: boolean;
  createdAt: Date;
}

export interface RegisterSenderInput {
  name: string;
  practiceOdsCodes: string[];
  callbackUrl?: string | null;
  callbackFormat?: CallbackFormat;
  /** Lower-case letters, digits and dashes; derived from the name when absent. */
  id?: string;
}

export class SenderAdminError extends Error {}

type Db = DataSource | EntityManager;

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'sender';
}

function checkCallbackUrl(url: string | null | undefined): void {
  if (!url) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SenderAdminError(`callback URL "${url}" is not a URL`);
  }
  if (!['https:', 'http:'].includes(parsed.protocol)) throw new SenderAdminError('callback URL must be http(s)');
}

function checkCallbackFormat(format: string): asserts format is CallbackFormat {
  if (!(CALLBACK_FORMATS as readonly string[]).includes(format)) throw new SenderAdminError(`callback format must be ${CALLBACK_FORMATS.join(' or ')}`);
}

function summary(row: Record<string, unknown>): SenderSummary {
  return {
    id: row.id as string,
    name: row.name as string,
    practiceOdsCodes: row.practice_ods_codes as string[],
    callbackUrl: (row.callback_url as string | null) ?? null,
    callbackFormat: (row.callback_format as CallbackFormat | undefined) ?? 'json',
    activeSecrets: row.previous_secret ? 2 : 1,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at as Date,
  };
}

/**
 * Registers a sender and returns its first signing secret: the only time the secret is ever shown.
 * Usable from scripts and tests with any DataSource connected to the intake database.
 */
export async function registerSender(db: Db, input: RegisterSenderInput, secretKey: string): Promise<{ sender: SenderSummary; secret: string }> {
  const practices = [...new Set(input.practiceOdsCodes.map((code) => code.trim().toUpperCase()))];
  const bad = practices.filter((code) => !isPracticeOdsCode(code));
  if (!input.name?.trim()) throw new SenderAdminError('a sender needs a name');
  if (practices.length === 0 || bad.length > 0) throw new SenderAdminError(`practices must be GP practice ODS codes such as A81001${bad.length ? ` (bad: ${bad.join(', ')})` : ''}`);
  checkCallbackUrl(input.callbackUrl);
  checkCallbackFormat(input.callbackFormat ?? 'json');
  const id = input.id ?? `${slug(input.name)}-${randomBytes(3).toString('hex')}`;
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(id)) throw new SenderAdminError('sender id must be 2-63 lower-case letters, digits or dashes');
  const secret = generateSigningSecret();
  const rows = await db.query(
    `INSERT INTO "intake"."sender" ("id", "name", "practice_ods_codes", "current_secret", "callback_url", "callback_format")
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ("id") DO NOTHING RETURNING *`,
    [id, input.name.trim(), practices, sealSecret(secret, secretKey), input.callbackUrl ?? null, input.callbackFormat ?? 'json'],
  );
  if (rows.length === 0) throw new SenderAdminError(`sender ${id} already exists`);
  return { sender: summary(rows[0]), secret };
}

export async function listSenders(db: Db): Promise<SenderSummary[]> {
  const rows = await db.query(`SELECT * FROM "intake"."sender" ORDER BY "created_at", "id"`);
  return rows.map(summary);
}

async function updateOne(db: Db, id: string, sql: string, params: unknown[]): Promise<SenderSummary> {
  const result = await db.query(`UPDATE "intake"."sender" SET ${sql} WHERE "id" = $1 RETURNING *`, [id, ...params]);
  const rows = (Array.isArray(result[0]) ? result[0] : result) as Record<string, unknown>[];
  if (rows.length === 0) throw new SenderAdminError(`no sender ${id}`);
  return summary(rows[0]);
}

/**
 * Starts a rotation: a new current secret, the old one still accepted until retirePreviousSecret,
 * so the sender can switch without a moment of refused requests.
 */
export async function rotateSenderSecret(db: Db, id: string, secretKey: string): Promise<{ sender: SenderSummary; secret: string }> {
  const secret = generateSigningSecret();
  const sender = await updateOne(db, id, `"previous_secret" = "current_secret", "current_secret" = $2`, [sealSecret(secret, secretKey)]);
  return { sender, secret };
}

export async function retirePreviousSecret(db: Db, id: string): Promise<SenderSummary> {
  return updateOne(db, id, `"previous_secret" = NULL`, []);
}

export async function setSenderDisabled(db: Db, id: string, disabled: boolean): Promise<SenderSummary> {
  return updateOne(db, id, `"disabled_at" = CASE WHEN $2::boolean THEN COALESCE("disabled_at", now()) ELSE NULL END`, [disabled]);
}

export async function setSenderCallbackUrl(db: Db, id: string, url: string | null): Promise<SenderSummary> {
  checkCallbackUrl(url);
  return updateOne(db, id, `"callback_url" = $2`, [url]);
}

export async function setSenderPractices(db: Db, id: string, practiceOdsCodes: string[]): Promise<SenderSummary> {
  const practices = [...new Set(practiceOdsCodes.map((code) => code.trim().toUpperCase()))];
  if (practices.length === 0 || !practices.every(isPracticeOdsCode)) throw new SenderAdminError('practices must be GP practice ODS codes such as A81001');
  return updateOne(db, id, `"practice_ods_codes" = $2`, [practices]);
}

/** Status callbacks as our JSON, or as the referral's FHIR R4 Task (application/fhir+json). */
export async function setSenderCallbackFormat(db: Db, id: string, format: string): Promise<SenderSummary> {
  checkCallbackFormat(format);
  return updateOne(db, id, `"callback_format" = $2`, [format]);
}
