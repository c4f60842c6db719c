import { IsString, MinLength } from 'class-validator';
import { BaseEnvironment, DevelopmentDefault, EnvInteger, ServiceName } from '@app/shared';

export const DEV_PSEUDONYM_MASTER_KEY = 'dev-only-pseudonym-master-key-do-not-use-in-production';

export class OutcomesEnvironment extends BaseEnvironment {
  @EnvInteger({ min: 0, max: 65535 })
  PORT = 3002;

  /**
   * The secret every pseudonym key, and the key that encrypts NHS numbers at rest, is derived from.
   * Changing it changes every commissioner's pseudonyms and makes stored NHS numbers unreadable.
   */
  @IsString()
  @MinLength(32, { message: 'PSEUDONYM_MASTER_KEY must be at least 32 characters' })
  @DevelopmentDefault()
  PSEUDONYM_MASTER_KEY = DEV_PSEUDONYM_MASTER_KEY;

  /** Counts from 1 up to this are shown as "*": NHS small-number disclosure control suppresses 1–7. */
  @EnvInteger({ min: 0 })
  SUPPRESSION_THRESHOLD = 7;

  /** Larger counts are rounded to the nearest multiple of this (5, as NHS publications round). */
  @EnvInteger({ min: 1 })
  SUPPRESSION_ROUNDING_BASE = 5;

  /** The largest page a feed request may ask for; pages are streamed, so this bounds time, not memory. */
  @EnvInteger({ min: 1 })
  FEED_MAX_PAGE_SIZE = 100_000;
}

export const OUTCOMES_SCHEMA = 'outcomes';
export const OUTCOMES_SERVICE = ServiceName.Outcomes;
