import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** A whole-number variable, converted from its string form, with messages that name it. */
export function EnvInteger(options: { min?: number; max?: number; unit?: string } = {}): PropertyDecorator {
  return (target, property) => {
    const name = String(property);
    Transform(toInt)(target, property);
    IsInt({ message: `${name} must be a whole number${options.unit ? ` of ${options.unit}` : ''}` })(target, property);
    if (options.min !== undefined) Min(options.min, { message: `${name} must be at least ${options.min}` })(target, property);
    if (options.max !== undefined) Max(options.max, { message: `${name} must be at most ${options.max}` })(target, property);
  };
}

/** What every service needs. Each service extends this with its own variables. */
export class BaseEnvironment {
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/referrals';

  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Hash-tagged so every key of ours lands in one Redis Cluster slot. */
  @Matches(/^\{[A-Za-z0-9_.-]+\}$/, { message: 'REDIS_PREFIX must be a hash tag such as {referrals}' })
  REDIS_PREFIX = '{referrals}';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional()
  @IsString()
  LOG_FILE?: string;

  @EnvInteger({ min: 1, max: 50 })
  EVENT_MAX_ATTEMPTS = 8;

  @EnvInteger({ min: 1, unit: 'milliseconds' })
  EVENT_BACKOFF_MS = 1000;

  @EnvInteger({ min: 10, unit: 'milliseconds' })
  OUTBOX_POLL_MS = 200;
}

export class EnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'EnvironmentError';
  }
}

type Constructor<T> = new () => T;

/** Validates process.env (or a given record) against an environment class, naming every bad variable. */
export function loadEnvironment<T extends object>(cls: Constructor<T>, source: Record<string, unknown> = process.env): T {
  const defaults = new cls() as Record<string, unknown>;
  const provided = Object.fromEntries(
    Object.keys(defaults)
      .concat(Object.keys(source).filter((key) => /^[A-Z][A-Z0-9_]*$/.test(key)))
      .map((key) => [key, source[key] === undefined || source[key] === '' ? defaults[key] : source[key]]),
  );
  const instance = plainToInstance(cls, provided, { exposeDefaultValues: true });
  const errors = validateSync(instance as object, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new EnvironmentError(
      errors.map((error) => {
        const messages = Object.values(error.constraints ?? {});
        return `${error.property}: ${messages.join(', ')}`;
      }),
    );
  }
  return instance;
}
