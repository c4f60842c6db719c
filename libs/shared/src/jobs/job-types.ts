import { ServiceName, ServiceNameValue, eventQueueName, eventsConsumedBy } from '../events/topology';

/**
 * Every background-work queue and job, declared once. Names are string constants: they are what sits in
 * Redis, so renaming a class never orphans a job. Each job carries only the id of the Postgres row that
 * is the truth about it (plus the correlation id for logs); a sweeper re-adds jobs Redis lost.
 */
export const QueueName = {
  StatusCallbacks: 'intake.status-callbacks',
  DeliverEmail: 'notifier.deliver-email',
  DeliverSms: 'notifier.deliver-sms',
  Reminders: 'notifier.reminders',
  IntakeMaintenance: 'intake.maintenance',
  NotifierMaintenance: 'notifier.maintenance',
  OutcomesMaintenance: 'outcomes.maintenance',
} as const;

export type QueueNameValue = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  DeliverStatusCallback: 'deliver-status-callback',
  DeliverEmail: 'deliver-email',
  DeliverSms: 'deliver-sms',
  TaskReminder: 'reminder',
  TaskEscalation: 'escalation',
  SendSignInLink: 'send-sign-in-link',
  PurgeIdempotencyKeys: 'purge-idempotency-keys',
  DeleteExpiredPersonDetails: 'delete-expired-person-details',
  PurgeIntakeOutbox: 'purge-intake-outbox',
  PurgeNotifierOutbox: 'purge-notifier-outbox',
  PurgeOutcomesOutbox: 'purge-outcomes-outbox',
} as const;

export type JobNameValue = (typeof JobName)[keyof typeof JobName];

interface Correlated {
  /** The referral's correlation id, so the job's log lines join the request that caused it. */
  correlationId?: string;
}

export interface StatusCallbackJob extends Correlated {
  callbackId: string;
}

export interface DeliveryJob extends Correlated {
  notificationId: string;
}

export interface TaskReminderJob extends Correlated {
  taskId: string;
}

/** A workspace sign-in link to send: the request row holds the address, never Redis. */
export interface SignInLinkJob {
  signInRequestId: string;
}

/** A scheduled job (see ServiceJobs.schedules): what it works on is in Postgres, found when it runs. */
export type ScheduledJob = Record<string, never>;

export interface JobPayloads {
  [JobName.DeliverStatusCallback]: StatusCallbackJob;
  [JobName.DeliverEmail]: DeliveryJob;
  [JobName.DeliverSms]: DeliveryJob;
  [JobName.TaskReminder]: TaskReminderJob;
  [JobName.TaskEscalation]: TaskReminderJob;
  [JobName.SendSignInLink]: SignInLinkJob;
  [JobName.PurgeIdempotencyKeys]: ScheduledJob;
  [JobName.DeleteExpiredPersonDetails]: ScheduledJob;
  [JobName.PurgeIntakeOutbox]: ScheduledJob;
  [JobName.PurgeNotifierOutbox]: ScheduledJob;
  [JobName.PurgeOutcomesOutbox]: ScheduledJob;
}

/** How operators name a kind of dead letter (`npm run dead-letters -- list --kind …`). */
export type DeadLetterKind = 'events' | 'deliveries' | 'callbacks' | 'reminders' | 'maintenance';
export const DEAD_LETTER_KINDS: readonly DeadLetterKind[] = ['events', 'deliveries', 'callbacks', 'reminders', 'maintenance'];

export interface JobQueueDefinition {
  name: QueueNameValue;
  /** The service whose runner works this queue (and must have a handler for each of its jobs). */
  service: ServiceNameValue;
  deadLetterKind: Exclude<DeadLetterKind, 'events'>;
  description: string;
}

export const JOB_QUEUES: Readonly<Record<QueueNameValue, JobQueueDefinition>> = {
  [QueueName.StatusCallbacks]: {
    name: QueueName.StatusCallbacks,
    service: ServiceName.ReferralIntake,
    deadLetterKind: 'callbacks',
    description: 'signed status callbacks to GP systems',
  },
  // One queue per provider, so each has its own rate limiter.
  [QueueName.DeliverEmail]: { name: QueueName.DeliverEmail, service: ServiceName.Notifier, deadLetterKind: 'deliveries', description: 'email through SMTP: notifications and sign-in links' },
  [QueueName.DeliverSms]: { name: QueueName.DeliverSms, service: ServiceName.Notifier, deadLetterKind: 'deliveries', description: 'SMS through GOV.UK Notify' },
  [QueueName.Reminders]: {
    name: QueueName.Reminders,
    service: ServiceName.Notifier,
    deadLetterKind: 'reminders',
    description: 'reminders and escalations of unanswered tasks (delayed jobs)',
  },
  [QueueName.IntakeMaintenance]: {
    name: QueueName.IntakeMaintenance,
    service: ServiceName.ReferralIntake,
    deadLetterKind: 'maintenance',
    description: 'scheduled housekeeping: expired idempotency keys, published outbox rows past retention',
  },
  [QueueName.NotifierMaintenance]: {
    name: QueueName.NotifierMaintenance,
    service: ServiceName.Notifier,
    deadLetterKind: 'maintenance',
    description: 'scheduled housekeeping: person details past their retention, published outbox rows past retention',
  },
  [QueueName.OutcomesMaintenance]: {
    name: QueueName.OutcomesMaintenance,
    service: ServiceName.Outcomes,
    deadLetterKind: 'maintenance',
    description: 'scheduled housekeeping: published outbox rows past retention',
  },
};

interface JobDefinition<N extends JobNameValue> {
  queue: QueueNameValue;
  /** The BullMQ job id: derived from the row id, so adding the same work twice is one job. */
  jobId(payload: JobPayloads[N]): string;
}

export const JOBS: { readonly [N in JobNameValue]: JobDefinition<N> } = {
  [JobName.DeliverStatusCallback]: { queue: QueueName.StatusCallbacks, jobId: (job) => job.callbackId },
  [JobName.DeliverEmail]: { queue: QueueName.DeliverEmail, jobId: (job) => job.notificationId },
  [JobName.DeliverSms]: { queue: QueueName.DeliverSms, jobId: (job) => job.notificationId },
  [JobName.TaskReminder]: { queue: QueueName.Reminders, jobId: (job) => `reminder.${job.taskId}` },
  [JobName.TaskEscalation]: { queue: QueueName.Reminders, jobId: (job) => `escalation.${job.taskId}` },
  // Shares the email queue, and so SMTP's rate limit, with notifications.
  [JobName.SendSignInLink]: { queue: QueueName.DeliverEmail, jobId: (job) => `sign-in.${job.signInRequestId}` },
  // A one-off run (a replay); the scheduler names its own runs.
  [JobName.PurgeIdempotencyKeys]: { queue: QueueName.IntakeMaintenance, jobId: () => `${JobName.PurgeIdempotencyKeys}.now` },
  [JobName.DeleteExpiredPersonDetails]: { queue: QueueName.NotifierMaintenance, jobId: () => `${JobName.DeleteExpiredPersonDetails}.now` },
  [JobName.PurgeIntakeOutbox]: { queue: QueueName.IntakeMaintenance, jobId: () => `${JobName.PurgeIntakeOutbox}.now` },
  [JobName.PurgeNotifierOutbox]: { queue: QueueName.NotifierMaintenance, jobId: () => `${JobName.PurgeNotifierOutbox}.now` },
  [JobName.PurgeOutcomesOutbox]: { queue: QueueName.OutcomesMaintenance, jobId: () => `${JobName.PurgeOutcomesOutbox}.now` },
};

export const ALL_JOB_NAMES: readonly JobNameValue[] = Object.values(JobName);

export function jobIdOf<N extends JobNameValue>(name: N, payload: JobPayloads[N]): string {
  return JOBS[name].jobId(payload);
}

export function queueOfJob(name: JobNameValue): JobQueueDefinition {
  return JOB_QUEUES[JOBS[name].queue];
}

export function jobQueuesOf(service: string): JobQueueDefinition[] {
  return Object.values(JOB_QUEUES).filter((queue) => queue.service === service);
}

export function jobsOf(service: string): JobNameValue[] {
  return ALL_JOB_NAMES.filter((name) => queueOfJob(name).service === service);
}

export interface QueueOfService {
  queue: string;
  service: ServiceNameValue;
  kind: 'events' | 'jobs';
}

/** Every BullMQ queue in the system with the service that works it: events' queues and job queues alike (metrics, dashboards). */
export function allQueues(): QueueOfService[] {
  const services = Object.values(ServiceName);
  return [
    ...services.filter((service) => eventsConsumedBy(service).length > 0).map((service) => ({ queue: eventQueueName(service), service, kind: 'events' as const })),
    ...Object.values(JOB_QUEUES).map((queue) => ({ queue: queue.name, service: queue.service, kind: 'jobs' as const })),
  ];
}
