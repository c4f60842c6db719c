import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { OUTCOMES_SCHEMA } from '../environment';
import { Secrets, decrypt, encrypt, hashApiKey, newApiKey } from '../privacy/secrets';
import { RECORDER_KEY_PREFIX, Recorder } from './recorders';

const S = `"${OUTCOMES_SCHEMA}"`;

/** A webhook answered before: its status and body, given again to a retry of the same webhook-id. */
export interface EarlierAnswer {
  status: number;
  response: unknown;
}

/**
 * Recorders' API keys, organisations' webhook secrets and webhook receipts. Injected in the app; the CLI and
 * tests build one on any DataSource on the outcomes database (migrations run).
 */
@Injectable()
export class RecordingStore {
  constructor(@InjectDataSource() private readonly db: DataSource | EntityManager) {}

  /** Issues an API key for an organisation or link worker; the plain key is returned once and only its hash kept. */
  async registerKey(recorder: Recorder & { label?: string }): Promise<{ keyId: string; apiKey: string }> {
    const apiKey = newApiKey(RECORDER_KEY_PREFIX);
    const keyId = randomUUID();
    await this.db.query(`INSERT INTO ${S}."recorder_api_key" ("id", "api_key_hash", "kind", "subject_id", "label") VALUES ($1, $2, $3, $4, $5)`, [
      keyId,
      hashApiKey(apiKey),
      recorder.kind,
      recorder.id,
      recorder.label ?? null,
    ]);
    return { keyId, apiKey };
  }

  async findByKey(apiKey: string): Promise<Recorder | null> {
    const [row] = await this.db.query(`SELECT "kind", "subject_id" FROM ${S}."recorder_api_key" WHERE "api_key_hash" = $1 AND "revoked_at" IS NULL`, [hashApiKey(apiKey)]);
    return row ? { kind: row.kind, id: row.subject_id } : null;
  }

  /**
   * Gives an organisation a new Standard Webhooks signing secret (whsec_ + base64 of 32 bytes). The old one
   * stays valid until the next rotation, so a sender can switch without a gap. Stored encrypted: verifying
   * an HMAC needs the secret itself.
   */
  async rotateWebhookSecret(secrets: Secrets, organisationId: string): Promise<string> {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    await this.db.query(
      `INSERT INTO ${S}."organisation_webhook_secret" ("organisation_id", "secret_sealed") VALUES ($1, $2)
       ON CONFLICT ("organisation_id") DO UPDATE SET "previous_secret_sealed" = "organisation_webhook_secret"."secret_sealed",
         "secret_sealed" = EXCLUDED."secret_sealed", "rotated_at" = now()`,
      [organisationId, encrypt(secrets.webhookSecretKey(), secret)],
    );
    return secret;
  }

  async webhookSecretsOf(secrets: Secrets, organisationId: string): Promise<string[]> {
    const [row] = await this.db.query(`SELECT "secret_sealed", "previous_secret_sealed" FROM ${S}."organisation_webhook_secret" WHERE "organisation_id" = $1`, [
      organisationId,
    ]);
    if (!row) return [];
    return [row.secret_sealed, row.previous_secret_sealed].filter(Boolean).map((sealed: string) => decrypt(secrets.webhookSecretKey(), sealed));
  }

  /**
   * Claims a webhook-id for this transaction. Null when it is ours to record; otherwise the answer given the
   * first time (a concurrent retry waits on the row until the first transaction ends).
   */
  async claimWebhook(manager: EntityManager, organisationId: string, webhookId: string): Promise<EarlierAnswer | null> {
    const claimed = await manager.query(
      `INSERT INTO ${S}."webhook_receipt" ("organisation_id", "webhook_id", "status", "response") VALUES ($1, $2, 0, '{}') ON CONFLICT DO NOTHING RETURNING 1`,
      [organisationId, webhookId],
    );
    if (claimed.length > 0) return null;
    const [earlier] = await manager.query(`SELECT "status", "response" FROM ${S}."webhook_receipt" WHERE "organisation_id" = $1 AND "webhook_id" = $2`, [
      organisationId,
      webhookId,
    ]);
    return { status: earlier.status, response: earlier.response };
  }

  async answerWebhook(manager: EntityManager, organisationId: string, webhookId: string, answer: EarlierAnswer): Promise<void> {
    await manager.query(`UPDATE ${S}."webhook_receipt" SET "status" = $3, "response" = $4 WHERE "organisation_id" = $1 AND "webhook_id" = $2`, [
      organisationId,
      webhookId,
      answer.status,
      JSON.stringify(answer.response),
    ]);
  }
}
