import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Secrets, decrypt, encrypt, hashApiKey, newApiKey } from '../privacy/secrets';

export type RecorderKind = 'organisation' | 'link-worker';

/** Whoever records outcomes: one organisation or one link worker, acting only on referrals they were tasked with. */
export interface Recorder {
  kind: RecorderKind;
  id: string;
}

export const RECORDER_KEY_PREFIX = 'spr';

/** Issues an API key for an organisation or link worker; the plain key is returned once and only its hash kept. */
export async function registerRecorderKey(
  dataSource: DataSource | EntityManager,
  recorder: Recorder & { label?: string },
): Promise<{ keyId: string; apiKey: string }> {
  const apiKey = newApiKey(RECORDER_KEY_PREFIX);
  const keyId = randomUUID();
  await dataSource.query(
    `INSERT INTO "outcomes"."recorder_api_key" ("id", "api_key_hash", "kind", "subject_id", "label") VALUES ($1, $2, $3, $4, $5)`,
    [keyId, hashApiKey(apiKey), recorder.kind, recorder.id, recorder.label ?? null],
  );
  return { keyId, apiKey };
}

export async function findRecorderByKey(dataSource: DataSource, apiKey: string): Promise<Recorder | null> {
  const [row] = await dataSource.query(
    `SELECT "kind", "subject_id" FROM "outcomes"."recorder_api_key" WHERE "api_key_hash" = $1 AND "revoked_at" IS NULL`,
    [hashApiKey(apiKey)],
  );
  return row ? { kind: row.kind, id: row.subject_id } : null;
}

/**
 * Gives an organisation a new Standard Webhooks signing secret (whsec_ + base64 of 32 bytes). The old one
 * stays valid until the next rotation, so a sender can switch without a gap. Stored encrypted: verifying
 * an HMAC needs the secret itself.
 */
export async function rotateWebhookSecret(dataSource: DataSource | EntityManager, secrets: Secrets, organisationId: string): Promise<string> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  await dataSource.query(
    `INSERT INTO "outcomes"."organisation_webhook_secret" ("organisation_id", "secret_sealed") VALUES ($1, $2)
     ON CONFLICT ("organisation_id") DO UPDATE SET "previous_secret_sealed" = "organisation_webhook_secret"."secret_sealed",
       "secret_sealed" = EXCLUDED."secret_sealed", "rotated_at" = now()`,
    [organisationId, encrypt(secrets.webhookSecretKey(), secret)],
  );
  return secret;
}

export async function webhookSecretsOf(dataSource: DataSource, secrets: Secrets, organisationId: string): Promise<string[]> {
  const [row] = await dataSource.query(
    `SELECT "secret_sealed", "previous_secret_sealed" FROM "outcomes"."organisation_webhook_secret" WHERE "organisation_id" = $1`,
    [organisationId],
  );
  if (!row) return [];
  return [row.secret_sealed, row.previous_secret_sealed].filter(Boolean).map((sealed: string) => decrypt(secrets.webhookSecretKey(), sealed));
}
