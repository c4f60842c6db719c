import { IsOptional, IsString, IsUUID, Matches, MinLength } from 'class-validator';
import { BaseEnvironment, EnvInteger, ServiceName } from '@app/shared';

export class NotifierEnvironment extends BaseEnvironment {
  @EnvInteger({ min: 0, max: 65535 })
  PORT = 3001;

  /** Protects the directory admin API and the dead-letter endpoints (header x-api-key). */
  @IsString()
  @MinLength(8, { message: 'NOTIFIER_ADMIN_API_KEY must be at least 8 characters' })
  NOTIFIER_ADMIN_API_KEY = 'dev-notifier-admin-key';

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

  /** How long a delivery job may run before another worker treats it as abandoned (worker crash). */
  @EnvInteger({ min: 500 })
  DELIVERY_LOCK_MS = 30000;

  /** How often pending notifications and due reminders are re-enqueued (covers Redis outages and crashes). */
  @EnvInteger({ min: 50 })
  DELIVERY_SWEEP_MS = 30000;

  @EnvInteger({ min: 1 })
  REMINDER_WORKING_DAYS = 3;

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
}

export const NOTIFIER_SCHEMA = 'notifier';
export const NOTIFIER_SERVICE = ServiceName.Notifier;
