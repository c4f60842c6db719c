import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { DEFAULT_EVENT_CONCURRENCY, DEFAULT_SHUTDOWN_GRACE_MS } from '../transport/transport-options';

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

const developmentDefaults = new Map<object, Set<string>>();

/**
 * Marks a variable whose default is a development-only secret (an admin key, a signing or encryption
 * key): the service refuses to start with that default unless NODE_ENV is development or test.
 */
export function DevelopmentDefault(): PropertyDecorator {
  return (target, property) => {
    developmentDefaults.set(target, (developmentDefaults.get(target) ?? new Set()).add(String(property)));
  };
}

function developmentDefaultsOf(instance: object): string[] {
  const names: string[] = [];
  for (let prototype = Object.getPrototypeOf(instance); prototype; prototype = Object.getPrototypeOf(prototype)) {
    names.push(...(developmentDefaults.get(prototype) ?? []));
  }
  return names;
}

/** Where the development default secrets are accepted: a developer's machine, the demo, the tests. */
export const DEVELOPMENT_MODES = ['development', 'test'] as const;

/** What every service needs. Each service extends this with its own variables. */
export class BaseEnvironment {
  /**
   * production (the default) refuses the development default secrets; development and test accept them.
   * npm start, the demo and docker-compose set development; Jest sets test.
   */
  @IsIn(['production', 'development', 'test'], { message: 'NODE_ENV must be production, development or test' })
  NODE_ENV = 'production';

  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/referrals';

  /** One server (redis://, rediss://) or a Redis Cluster given by some of its nodes (redis-cluster://host:port,host:port). */
  @Matches(/^rediss?(-cluster)?:\/\/[^\s]+$/, { message: 'REDIS_URL must be a redis://, rediss:// or redis-cluster://host:port,host:port URL' })
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

  /**
   * How long a worker holds a job before another worker may take it over: with JOB_STALLED_INTERVAL_MS, what a
   * crashed process costs in latency (at most the two added). A live worker renews its lock every half of it,
   * so a job may run longer; BullMQ's 30 s made a crash cost 30-60 s.
   */
  @EnvInteger({ min: 500, unit: 'milliseconds' })
  JOB_LOCK_MS = 10_000;

  /** How often workers look for jobs whose lock expired. */
  @EnvInteger({ min: 100, unit: 'milliseconds' })
  JOB_STALLED_INTERVAL_MS = 5_000;

  /** How many times a job may be found stalled (its worker gone) before it fails. */
  @EnvInteger({ min: 0 })
  JOB_MAX_STALLED_COUNT = 1;
  /** Published outbox rows are deleted after this many hours (rows not yet published are always kept). */
  @EnvInteger({ min: 1, unit: 'hours' })
  OUTBOX_RETENTION_HOURS = 24;

  /**
   * Seals the person in referral.received and every dead-lettered event (AES-256-GCM): the same value in
   * intake, notifier and outcomes, the services that may read who a referral is about. 32 bytes in base64
   * (`openssl rand -base64 32`) or a passphrase of 32 characters or more.
   */
  @MinLength(32, { message: 'EVENT_SEALING_KEY must be at least 32 characters (openssl rand -base64 32)' })
  @DevelopmentDefault()
  EVENT_SEALING_KEY = 'ZGV2LWV2ZW50LXNlYWxpbmcta2V5LTMyLWJ5dGVzISE=';

  /**
   * Which proxies' X-Forwarded-For we believe (Fastify trustProxy: addresses, CIDR ranges or the names
   * loopback, linklocal, uniquelocal). Only those: a client on the Internet cannot pick its own address
   * for per-client limits by sending the header itself.
   */
  @IsString()
  TRUST_PROXY = 'loopback,linklocal,uniquelocal';

  /** The longest a client may take to send a whole request (headers and body): slow clients are cut off. */
  @EnvInteger({ min: 100, unit: 'milliseconds' })
  HTTP_REQUEST_TIMEOUT_MS = 60_000;

  /** The longest a connection may sit idle (no bytes either way) before it is closed. */
  @EnvInteger({ min: 100, unit: 'milliseconds' })
  HTTP_IDLE_TIMEOUT_MS = 120_000;

  /** Bearer token a Prometheus scraper presents for /metrics; empty: /metrics answers only this machine. */
  @IsOptional()
  @IsString()
  METRICS_TOKEN = '';

  /**
   * Events a consumer takes from its queue at once. Those that arrive while its transactions run are handled
   * together in the next (group commit, at most two transactions at a time), so this bounds a group; a
   * consumer holds up to two database connections for its events.
   */
  @EnvInteger({ min: 1, max: 256 })
  EVENT_CONCURRENCY = DEFAULT_EVENT_CONCURRENCY;

  /**
   * At shutdown, how long in-flight events and jobs may take to finish before they are abandoned (run again
   * elsewhere: every handler is idempotent). Keep it under the orchestrator's grace period.
   */
  @EnvInteger({ min: 0, unit: 'milliseconds' })
  SHUTDOWN_GRACE_MS = DEFAULT_SHUTDOWN_GRACE_MS;

  /** How long an event consumer's claim on a job lasts; renewed at half this while the handler runs. */
  @EnvInteger({ min: 1000, unit: 'milliseconds' })
  EVENT_LOCK_MS = 10_000;

  /** How often consumers look for jobs abandoned by a dead process (their claim expired). */
  @EnvInteger({ min: 500, unit: 'milliseconds' })
  EVENT_STALLED_INTERVAL_MS = 5_000;

  /** How often each producer checks that its published events reached every subscriber (Redis may lose data). */
  @EnvInteger({ min: 1000, unit: 'milliseconds' })
  EVENT_RECONCILE_INTERVAL_MS = 30_000;

  /** Events published more recently than this are left to the normal path by the reconciler. */
  @EnvInteger({ min: 0, unit: 'milliseconds' })
  EVENT_RECONCILE_GRACE_MS = 30_000;

  /**
   * How far back the reconciler looks. It can only re-publish rows that still exist, so it never looks further
   * back than OUTBOX_RETENTION_HOURS; an event Redis lost while its consumer was down longer than that is gone.
   */
  @EnvInteger({ min: 1, unit: 'hours' })
  EVENT_RECONCILE_WINDOW_HOURS = 24;
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
  // The mode is the process's unless the given record says otherwise (tests pass records, Jest sets test).
  const withMode: Record<string, unknown> = { NODE_ENV: process.env.NODE_ENV, ...source };
  const provided = Object.fromEntries(
    Object.keys(defaults)
      .concat(Object.keys(withMode).filter((key) => /^[A-Z][A-Z0-9_]*$/.test(key)))
      .map((key) => [key, withMode[key] === undefined || withMode[key] === '' ? defaults[key] : withMode[key]]),
  );
  const instance = plainToInstance(cls, provided, { exposeDefaultValues: true });
  const errors = validateSync(instance as object, { whitelist: false, forbidUnknownValues: false });
  const problems = errors.map((error) => `${error.property}: ${Object.values(error.constraints ?? {}).join(', ')}`);
  const mode = (instance as { NODE_ENV?: string }).NODE_ENV;
  if (!(DEVELOPMENT_MODES as readonly unknown[]).includes(mode)) {
    for (const name of developmentDefaultsOf(instance as object)) {
      if ((instance as Record<string, unknown>)[name] === defaults[name]) {
        problems.push(`${name}: is the development default; set a secret of your own (the default is accepted only with NODE_ENV=development or test)`);
      }
    }
  }
  if (problems.length > 0) throw new EnvironmentError(problems);
  return instance;
}
