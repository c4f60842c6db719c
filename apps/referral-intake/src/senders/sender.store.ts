import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { isPracticeOdsCode, preparedQuery } from '@app/shared';
import { INTAKE_SCHEMA } from '../environment';
import { generateSigningSecret, sealSecret } from './secret-box';
import { Sender } from './sender.entity';
import { RegisterSenderInput, SenderAdminError, SenderSummary, checkCallbackFormat, checkCallbackUrl, senderSummary, slug } from './senders';

const S = `"${INTAKE_SCHEMA}"`;

/** Every column, named as Sender names it. */
const SENDER = `"id", "name", "practice_ods_codes" AS "practiceOdsCodes", "current_secret" AS "currentSecret", "previous_secret" AS "previousSecret", "callback_url" AS "callbackUrl", "callback_format" AS "callbackFormat", "disabled_at" AS "disabledAt", "created_at" AS "createdAt"`;

/**
 * The sender table. Injected in the app; the CLI, scripts and tests build one on any DataSource connected
 * to the intake database.
 */
@Injectable()
export class SenderStore {
  constructor(@InjectDataSource() private readonly db: DataSource | EntityManager) {}

  /**
   * The sender's row, secrets (sealed) included: for checking its signatures. Read on every signed request,
   * so outside a transaction it is a named prepared statement on the pool (TypeORM's findOneBy cost more CPU
   * than the statement).
   */
  async find(id: string, manager: DataSource | EntityManager = this.db): Promise<Sender | null> {
    if (manager instanceof DataSource) {
      const [row] = await preparedQuery<Sender>(manager, 'intake_sender_find', `SELECT ${SENDER} FROM ${S}."sender" WHERE "id" = $1`, [id]);
      return row ? Object.assign(new Sender(), row) : null;
    }
    return manager.getRepository(Sender).findOneBy({ id });
  }

  /**
   * Registers a sender and returns its first signing secret: the only time the secret is ever shown.
   */
  async register(input: RegisterSenderInput, secretKey: string): Promise<{ sender: SenderSummary; secret: string }> {
    const practices = [...new Set(input.practiceOdsCodes.map((code) => code.trim().toUpperCase()))];
    const bad = practices.filter((code) => !isPracticeOdsCode(code));
    if (!input.name?.trim()) throw new SenderAdminError('a sender needs a name');
    if (practices.length === 0 || bad.length > 0) throw new SenderAdminError(`practices must be GP practice ODS codes such as A81001${bad.length ? ` (bad: ${bad.join(', ')})` : ''}`);
    checkCallbackUrl(input.callbackUrl);
    checkCallbackFormat(input.callbackFormat ?? 'json');
    const id = input.id ?? `${slug(input.name)}-${randomBytes(3).toString('hex')}`;
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(id)) throw new SenderAdminError('sender id must be 2-63 lower-case letters, digits or dashes');
    const secret = generateSigningSecret();
    const rows = await this.db.query(
      `INSERT INTO ${S}."sender" ("id", "name", "practice_ods_codes", "current_secret", "callback_url", "callback_format")
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ("id") DO NOTHING RETURNING *`,
      [id, input.name.trim(), practices, sealSecret(secret, secretKey), input.callbackUrl ?? null, input.callbackFormat ?? 'json'],
    );
    if (rows.length === 0) throw new SenderAdminError(`sender ${id} already exists`);
    return { sender: senderSummary(rows[0]), secret };
  }

  async list(): Promise<SenderSummary[]> {
    const rows = await this.db.query(`SELECT * FROM ${S}."sender" ORDER BY "created_at", "id"`);
    return rows.map(senderSummary);
  }

  private async updateOne(id: string, sql: string, params: unknown[]): Promise<SenderSummary> {
    const result = await this.db.query(`UPDATE ${S}."sender" SET ${sql} WHERE "id" = $1 RETURNING *`, [id, ...params]);
    const rows = (Array.isArray(result[0]) ? result[0] : result) as Record<string, unknown>[];
    if (rows.length === 0) throw new SenderAdminError(`no sender ${id}`);
    return senderSummary(rows[0]);
  }

  /**
   * Starts a rotation: a new current secret, the old one still accepted until retirePreviousSecret,
   * so the sender can switch without a moment of refused requests.
   */
  async rotateSecret(id: string, secretKey: string): Promise<{ sender: SenderSummary; secret: string }> {
    const secret = generateSigningSecret();
    const sender = await this.updateOne(id, `"previous_secret" = "current_secret", "current_secret" = $2`, [sealSecret(secret, secretKey)]);
    return { sender, secret };
  }

  async retirePreviousSecret(id: string): Promise<SenderSummary> {
    return this.updateOne(id, `"previous_secret" = NULL`, []);
  }

  async setDisabled(id: string, disabled: boolean): Promise<SenderSummary> {
    return this.updateOne(id, `"disabled_at" = CASE WHEN $2::boolean THEN COALESCE("disabled_at", now()) ELSE NULL END`, [disabled]);
  }

  async setCallbackUrl(id: string, url: string | null): Promise<SenderSummary> {
    checkCallbackUrl(url);
    return this.updateOne(id, `"callback_url" = $2`, [url]);
  }

  async setPractices(id: string, practiceOdsCodes: string[]): Promise<SenderSummary> {
    const practices = [...new Set(practiceOdsCodes.map((code) => code.trim().toUpperCase()))];
    if (practices.length === 0 || !practices.every(isPracticeOdsCode)) throw new SenderAdminError('practices must be GP practice ODS codes such as A81001');
    return this.updateOne(id, `"practice_ods_codes" = $2`, [practices]);
  }

  /** Status callbacks as our JSON, or as the referral's FHIR R4 Task (application/fhir+json). */
  async setCallbackFormat(id: string, format: string): Promise<SenderSummary> {
    checkCallbackFormat(format);
    return this.updateOne(id, `"callback_format" = $2`, [format]);
  }
}
