import { IsIn, IsOptional, IsString, IsUUID, Matches, MinLength, ValidateIf } from 'class-validator';
import { BaseEnvironment, DevelopmentDefault, EnvInteger, ServiceName } from '@app/shared';

export class NotifierEnvironment extends BaseEnvironment {
  @EnvInteger({ min: 0, max: 65535 })
  PORT = 3001;

  /** Protects the directory admin API and the dead-letter endpoints (header x-api-key). */
  @IsString()
  @MinLength(8, { message: 'NOTIFIER_ADMIN_API_KEY must be at least 8 characters' })
  @DevelopmentDefault()
  NOTIFIER_ADMIN_API_KEY = 'dev-notifier-admin-key';

  /** The queue dashboard (/admin/queues) only shows jobs unless this is "false"; then it can retry, promote and clean them. */
  @IsIn(['true', 'false'], { message: 'QUEUE_DASHBOARD_READ_ONLY must be true or false' })
  QUEUE_DASHBOARD_READ_ONLY = 'true';

  /** Directory file seeded at boot when the directory is empty; "none" disables seeding. */
  @IsString()
  DIRECTORY_SEED_FILE = 'apps/notifier/directory/sample-directory.json';

  /** Real SMTP when set (smtp://host:port); otherwise each message is written as an .eml file under MAIL_DIR. */
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s]+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  MAIL_DIR = 'var/mail';

  @IsString()
  MAIL_FROM = 'Social prescribing referrals <referrals@notifier.example.nhs.uk>';

  /** Where action links point: the public address of this service. */
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'PUBLIC_BASE_URL must be an http(s) URL' })
  PUBLIC_BASE_URL = 'http://localhost:3001';

  @IsString()
  @MinLength(16, { message: 'ACTION_LINK_SECRET must be at least 16 characters' })
  @DevelopmentDefault()
  ACTION_LINK_SECRET = 'dev-action-link-secret-change-me';

  @EnvInteger({ min: 1, unit: 'hours' })
  ACTION_LINK_TTL_HOURS = 14 * 24;

  /** GOV.UK Notify API key; without it SMS is off and recipients who prefer SMS get email instead. */
  @IsOptional()
  @IsString()
  NOTIFY_API_KEY?: string;

  @Matches(/^https?:\/\/[^\s]+$/, { message: 'NOTIFY_BASE_URL must be an http(s) URL' })
  NOTIFY_BASE_URL = 'https://api.notifications.service.gov.uk';

  @IsUUID('all', { message: 'NOTIFY_SMS_TEMPLATE_ID must be a template UUID' })
  NOTIFY_SMS_TEMPLATE_ID = '00000000-0000-4000-8000-000000000001';

  /** Bearer token Notify sends with delivery-status callbacks. */
  @IsString()
  @MinLength(8, { message: 'NOTIFY_CALLBACK_TOKEN must be at least 8 characters' })
  @DevelopmentDefault()
  NOTIFY_CALLBACK_TOKEN = 'dev-notify-callback-token';

  /** Notify allows 3,000 messages a minute per API key. */
  @EnvInteger({ min: 1 })
  NOTIFY_RATE_LIMIT_PER_MINUTE = 3000;

  @EnvInteger({ min: 1 })
  SMTP_RATE_LIMIT_PER_MINUTE = 600;

  @EnvInteger({ min: 1, max: 50 })
  DELIVERY_MAX_ATTEMPTS = 8;

  @EnvInteger({ min: 1, unit: 'milliseconds' })
  DELIVERY_BACKOFF_MS = 5000;

  /** Deliveries one process sends at once, per provider. */
  @EnvInteger({ min: 1 })
  DELIVERY_CONCURRENCY = 4;

  /**
   * How long a delivery's lock lasts without renewal before another worker treats it as abandoned (worker crash).
   * A live worker renews it every half of it, however long the provider takes; a crashed one delays the
   * delivery by at most this plus JOB_STALLED_INTERVAL_MS.
   */
  @EnvInteger({ min: 500 })
  DELIVERY_LOCK_MS = 10_000;

  /** How often pending notifications and due reminders are re-enqueued (covers Redis outages and crashes). */
  @EnvInteger({ min: 50 })
  DELIVERY_SWEEP_MS = 30000;

  @EnvInteger({ min: 1 })
  REMINDER_WORKING_DAYS = 3;

  /** Reminders and escalations one process works at once. */
  @EnvInteger({ min: 1 })
  REMINDER_CONCURRENCY = 2;

  @EnvInteger({ min: 1, max: 50 })
  REMINDER_MAX_ATTEMPTS = 5;

  @EnvInteger({ min: 1, unit: 'milliseconds' })
  REMINDER_BACKOFF_MS = 1000;

  @EnvInteger({ min: 1 })
  ESCALATION_WORKING_DAYS = 2;

  /** Overrides REMINDER_WORKING_DAYS with a plain delay (tests, demos). */
  @IsOptional()
  @EnvInteger({ min: 0 })
  REMINDER_DELAY_MS?: number;

  /** Overrides ESCALATION_WORKING_DAYS with a plain delay (tests, demos). */
  @IsOptional()
  @EnvInteger({ min: 0 })
  ESCALATION_DELAY_MS?: number;

  /**
   * Key that seals the person's details at rest (AES-256-GCM): 32 bytes, base64. The default is for
   * development only; set your own everywhere else.
   */
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'PERSON_DETAILS_KEY must be 32 bytes in base64 (44 characters, e.g. from `openssl rand -base64 32`)' })
  @DevelopmentDefault()
  PERSON_DETAILS_KEY = 'ZGV2LXBlcnNvbi1kZXRhaWxzLWtleS0zMi1ieXRlcyE=';

  /** Days after a referral ends (completed, closed or cancelled) before the person's details are deleted. */
  @EnvInteger({ min: 0, unit: 'days' })
  PERSON_DETAILS_RETENTION_DAYS = 90;

  /** Overrides PERSON_DETAILS_RETENTION_DAYS with a plain delay (tests, demos). */
  @IsOptional()
  @EnvInteger({ min: 0 })
  PERSON_DETAILS_RETENTION_MS?: number;

  /** How often details past their retention are looked for and deleted. */
  @EnvInteger({ min: 50 })
  PERSON_DETAILS_SWEEP_MS = 60_000;

  /** Signs the workspace session cookie (@fastify/session needs at least 32 characters). */
  @DevelopmentDefault()
  @IsString()
  @MinLength(32, { message: 'WORKSPACE_SESSION_SECRET must be at least 32 characters' })
  WORKSPACE_SESSION_SECRET = 'dev-workspace-session-secret-change-me-please';

  /** A workspace session ends after this long without a request (30 minutes). */
  @EnvInteger({ min: 1, unit: 'seconds' })
  WORKSPACE_SESSION_IDLE_SECONDS = 30 * 60;

  /** A workspace session ends this long after sign-in, however active (8 hours). */
  @EnvInteger({ min: 1, unit: 'seconds' })
  WORKSPACE_SESSION_MAX_SECONDS = 8 * 3600;

  /** How long an emailed sign-in link works (15 minutes). */
  @EnvInteger({ min: 1, unit: 'seconds' })
  SIGN_IN_LINK_TTL_SECONDS = 15 * 60;

  /** Sign-in links one address may request per SIGN_IN_RATE_WINDOW_SECONDS. */
  @EnvInteger({ min: 1 })
  SIGN_IN_LIMIT_PER_ADDRESS = 5;

  /** Sign-in attempts (link requests and confirmations) one client IP may make per window. */
  @EnvInteger({ min: 1 })
  SIGN_IN_LIMIT_PER_CLIENT = 30;

  @EnvInteger({ min: 1, unit: 'seconds' })
  SIGN_IN_RATE_WINDOW_SECONDS = 15 * 60;

  /**
   * Single sign-on by OpenID Connect (e.g. NHS CIS2 Authentication): the issuer's URL, whose
   * /.well-known/openid-configuration is read on first use. Unset: single sign-on is off (no button).
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'OIDC_ISSUER_URL must be an http(s) URL' })
  OIDC_ISSUER_URL?: string;

  @ValidateIf((env: NotifierEnvironment) => Boolean(env.OIDC_ISSUER_URL))
  @IsString({ message: 'OIDC_CLIENT_ID is required when OIDC_ISSUER_URL is set' })
  @MinLength(1, { message: 'OIDC_CLIENT_ID is required when OIDC_ISSUER_URL is set' })
  OIDC_CLIENT_ID?: string;

  @ValidateIf((env: NotifierEnvironment) => Boolean(env.OIDC_ISSUER_URL))
  @IsString({ message: 'OIDC_CLIENT_SECRET is required when OIDC_ISSUER_URL is set' })
  @MinLength(1, { message: 'OIDC_CLIENT_SECRET is required when OIDC_ISSUER_URL is set' })
  OIDC_CLIENT_SECRET?: string;

  /** Scopes asked for; `email` (or the provider's equivalent) must yield a verified email claim. */
  @Matches(/(^|\s)openid(\s|$)/, { message: 'OIDC_SCOPES must include openid' })
  OIDC_SCOPES = 'openid email';

  /** How the sign-in page names the provider on its button ("Sign in with …"). */
  @IsString()
  @MinLength(1)
  OIDC_PROVIDER_NAME = 'NHS CIS2';
}

export const NOTIFIER_SCHEMA = 'notifier';
export const NOTIFIER_SERVICE = ServiceName.Notifier;
