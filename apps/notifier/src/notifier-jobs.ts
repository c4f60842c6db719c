import { JobName, QueueName, ServiceJobs, queueSettings } from '@app/shared';
import { reopenNotification } from './delivery/notification-jobs';
import { NotifierEnvironment } from './environment';

/** How the notifier works its queues, from its environment: one queue per provider, each with its rate limit. */
export function notifierJobs(env: NotifierEnvironment): ServiceJobs {
  const delivery = {
    concurrency: env.DELIVERY_CONCURRENCY,
    maxAttempts: env.DELIVERY_MAX_ATTEMPTS,
    backoffMs: env.DELIVERY_BACKOFF_MS,
    lockDurationMs: env.DELIVERY_LOCK_MS,
    stalledIntervalMs: Math.max(250, Math.floor(env.DELIVERY_LOCK_MS / 2)),
  };
  return {
    settings: {
      [QueueName.DeliverEmail]: queueSettings(env, { ...delivery, rateLimit: { max: env.SMTP_RATE_LIMIT_PER_MINUTE, durationMs: 60_000 } }),
      [QueueName.DeliverSms]: queueSettings(env, { ...delivery, rateLimit: { max: env.NOTIFY_RATE_LIMIT_PER_MINUTE, durationMs: 60_000 } }),
      [QueueName.Reminders]: queueSettings(env, { concurrency: env.REMINDER_CONCURRENCY, maxAttempts: env.REMINDER_MAX_ATTEMPTS, backoffMs: env.REMINDER_BACKOFF_MS }),
      [QueueName.NotifierMaintenance]: queueSettings(env, { concurrency: 1, maxAttempts: 3, backoffMs: 1000 }),
    },
    schedules: { [JobName.DeleteExpiredPersonDetails]: env.PERSON_DETAILS_SWEEP_MS, [JobName.PurgeNotifierOutbox]: 60 * 60 * 1000 },
    replays: {
      [JobName.DeliverEmail]: reopenNotification,
      [JobName.DeliverSms]: reopenNotification,
      // A reminder needs no reopening: its task is still open and unreminded.
    },
  };
}
