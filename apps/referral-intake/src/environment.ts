import { Transform } from 'class-transformer';
import { IsInt, IsUrl, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { BaseEnvironment } from '@app/shared';

const toInt = ({ value }: { value: unknown }) => Number(value);

/** Only for a developer machine: production sets its own. */
export const DEV_SENDER_SECRET_KEY = 'dev-only-sender-secret-key-not-for-production';

export class IntakeEnvironment extends BaseEnvironment {
  @Transform(toInt)
  @IsInt({ message: 'PORT must be a whole number' })
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Encrypts senders' signing secrets at rest (AES-256-GCM, key derived from this value). */
  @MinLength(16, { message: 'SENDER_SECRET_KEY must be at least 16 characters' })
  SENDER_SECRET_KEY = DEV_SENDER_SECRET_KEY;

  @Transform(toInt)
  @IsInt({ message: 'RATE_LIMIT_PER_MINUTE must be a whole number' })
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 600;

  /** How long Idempotency-Key and webhook-id records are kept (published in /docs). */
  @Transform(toInt)
  @IsInt({ message: 'IDEMPOTENCY_RETENTION_HOURS must be a whole number' })
  @Min(1)
  IDEMPOTENCY_RETENTION_HOURS = 72;

  @Transform(toInt)
  @IsInt({ message: 'REFERRAL_BODY_LIMIT_BYTES must be a whole number' })
  @Min(1024)
  REFERRAL_BODY_LIMIT_BYTES = 64 * 1024;

  @Transform(toInt)
  @IsInt({ message: 'BATCH_BODY_LIMIT_BYTES must be a whole number' })
  @Min(1024)
  BATCH_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

  @Transform(toInt)
  @IsInt({ message: 'CALLBACK_MAX_ATTEMPTS must be a whole number' })
  @Min(1)
  @Max(50)
  CALLBACK_MAX_ATTEMPTS = 12;

  @Transform(toInt)
  @IsInt({ message: 'CALLBACK_BACKOFF_MS must be a whole number of milliseconds' })
  @Min(1)
  CALLBACK_BACKOFF_MS = 10_000;

  @Transform(toInt)
  @IsInt({ message: 'CALLBACK_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  CALLBACK_TIMEOUT_MS = 10_000;

  /** Where /docs says the API lives; empty means relative URLs. */
  @ValidateIf((env: IntakeEnvironment) => env.PUBLIC_BASE_URL !== '')
  @IsUrl({ require_tld: false }, { message: 'PUBLIC_BASE_URL must be a URL' })
  PUBLIC_BASE_URL = '';
}

export const INTAKE_SCHEMA = 'intake';
export const INTAKE_SERVICE = 'referral-intake';
