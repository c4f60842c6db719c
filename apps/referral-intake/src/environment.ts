import { IsUrl, MinLength, ValidateIf } from 'class-validator';
import { BaseEnvironment, DevelopmentDefault, EnvInteger } from '@app/shared';

/** Only for a developer machine: production sets its own. */
export const DEV_SENDER_SECRET_KEY = 'dev-only-sender-secret-key-not-for-production';

export class IntakeEnvironment extends BaseEnvironment {
  @EnvInteger({ min: 0, max: 65535 })
  PORT = 3000;

  /** Encrypts senders' signing secrets at rest (AES-256-GCM, key derived from this value). */
  @MinLength(16, { message: 'SENDER_SECRET_KEY must be at least 16 characters' })
  @DevelopmentDefault()
  SENDER_SECRET_KEY = DEV_SENDER_SECRET_KEY;

  @EnvInteger({ min: 1 })
  RATE_LIMIT_PER_MINUTE = 600;

  /** Refused (401) requests a client may make in a minute before it is answered 429 without being read. */
  @EnvInteger({ min: 1 })
  UNAUTHENTICATED_LIMIT_PER_MINUTE = 30;

  /** How long Idempotency-Key and webhook-id records are kept (published in /docs). */
  @EnvInteger({ min: 1 })
  IDEMPOTENCY_RETENTION_HOURS = 72;

  @EnvInteger({ min: 1024 })
  REFERRAL_BODY_LIMIT_BYTES = 64 * 1024;

  @EnvInteger({ min: 1024 })
  BATCH_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

  @EnvInteger({ min: 1, max: 50 })
  CALLBACK_MAX_ATTEMPTS = 12;

  @EnvInteger({ min: 1, unit: 'milliseconds' })
  CALLBACK_BACKOFF_MS = 10_000;

  @EnvInteger({ min: 100, unit: 'milliseconds' })
  CALLBACK_TIMEOUT_MS = 10_000;

  /** Callbacks one process sends at once. */
  @EnvInteger({ min: 1 })
  CALLBACK_CONCURRENCY = 4;

  /** How often pending callbacks without a job (Redis down at commit, or lost) are queued again. */
  @EnvInteger({ min: 50, unit: 'milliseconds' })
  CALLBACK_SWEEP_MS = 30_000;

  /** Where /docs says the API lives; empty means relative URLs. */
  @ValidateIf((env: IntakeEnvironment) => env.PUBLIC_BASE_URL !== '')
  @IsUrl({ require_tld: false }, { message: 'PUBLIC_BASE_URL must be a URL' })
  PUBLIC_BASE_URL = '';
}

export const INTAKE_SCHEMA = 'intake';
export const INTAKE_SERVICE = 'referral-intake';
