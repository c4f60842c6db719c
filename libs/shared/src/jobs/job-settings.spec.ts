import { UnrecoverableError } from 'bullmq';
import { ServiceName } from '../events/topology';
import { afterFailedAttempt } from '../transport/transport-options';
import { ensureAction, handlerProblems, queueSettings, workerOptionsFor } from './job-settings';
import { JobName, QueueName, allQueues, jobIdOf, jobsOf } from './job-types';

const lock = { JOB_LOCK_MS: 30_000, JOB_STALLED_INTERVAL_MS: 15_000, JOB_MAX_STALLED_COUNT: 1 };
const notifierSettings = {
  [QueueName.DeliverEmail]: queueSettings(lock, { concurrency: 4, maxAttempts: 8, backoffMs: 5000 }),
  [QueueName.DeliverSms]: queueSettings(lock, { concurrency: 4, maxAttempts: 8, backoffMs: 5000 }),
  [QueueName.Reminders]: queueSettings(lock, { concurrency: 2, maxAttempts: 5, backoffMs: 1000 }),
  [QueueName.NotifierMaintenance]: queueSettings(lock, { concurrency: 1, maxAttempts: 3, backoffMs: 1000 }),
};
const allNotifierHandlers = jobsOf(ServiceName.Notifier).map((name) => ({ name, where: `Handlers.${name}` }));

describe('the job registry', () => {
  it('gives each job a job id derived from its row, so adding it twice is one job', () => {
    expect(jobIdOf(JobName.DeliverEmail, { notificationId: 'n-1', correlationId: 'c' })).toBe('n-1');
    expect(jobIdOf(JobName.TaskReminder, { taskId: 't-1' })).toBe('reminder.t-1');
    expect(jobIdOf(JobName.TaskEscalation, { taskId: 't-1' })).toBe('escalation.t-1');
  });

  it('lists every queue with the service that works it', () => {
    expect(allQueues()).toEqual(
      expect.arrayContaining([
        { queue: 'events.notifier', service: ServiceName.Notifier, kind: 'events' },
        { queue: QueueName.StatusCallbacks, service: ServiceName.ReferralIntake, kind: 'jobs' },
        { queue: QueueName.Reminders, service: ServiceName.Notifier, kind: 'jobs' },
      ]),
    );
    expect(new Set(allQueues().map((queue) => queue.queue)).size).toBe(allQueues().length);
  });
});

describe('handlerProblems', () => {
  it('accepts a service whose every job has one handler and every queue its settings', () => {
    expect(handlerProblems(ServiceName.Notifier, allNotifierHandlers, notifierSettings)).toEqual([]);
  });

  it('names the jobs without a handler', () => {
    const found = allNotifierHandlers.filter((handler) => handler.name !== JobName.TaskEscalation && handler.name !== JobName.DeliverSms);
    expect(handlerProblems(ServiceName.Notifier, found, notifierSettings)).toEqual(['no @JobHandler for deliver-sms, escalation']);
  });

  it('names a handler for another service’s job, a second handler, and a queue without settings', () => {
    const found = [...allNotifierHandlers, { name: JobName.DeliverStatusCallback, where: 'Stray.callback' }, { name: JobName.TaskReminder, where: 'Again.reminder' }];
    const { [QueueName.Reminders]: _, ...withoutReminders } = notifierSettings;
    expect(handlerProblems(ServiceName.Notifier, found, withoutReminders)).toEqual([
      'Stray.callback handles deliver-status-callback, which is not a job of notifier',
      'reminder has two handlers: Handlers.reminder and Again.reminder',
      'no settings for queue notifier.reminders',
    ]);
  });
});

describe('worker options', () => {
  it('carries concurrency, the rate limit and the lock settings from configuration', () => {
    const settings = queueSettings(lock, { concurrency: 3, maxAttempts: 2, backoffMs: 10, rateLimit: { max: 600, durationMs: 60_000 }, lockDurationMs: 1500 });
    expect(workerOptionsFor(settings)).toEqual({ concurrency: 3, limiter: { max: 600, duration: 60_000 }, lockDuration: 1500, stalledInterval: 15_000, maxStalledCount: 1 });
    expect(workerOptionsFor(queueSettings(lock, { concurrency: 1, maxAttempts: 1, backoffMs: 1 }))).not.toHaveProperty('limiter');
  });
});

describe('afterFailedAttempt', () => {
  it('is final on the last attempt or when the handler says so', () => {
    expect(afterFailedAttempt(new Error('x'), 1, 3)).toBe('retry');
    expect(afterFailedAttempt(new Error('x'), 3, 3)).toBe('dead-letter');
    expect(afterFailedAttempt(new UnrecoverableError('x'), 1, 3)).toBe('dead-letter');
  });

  it('leaves a last attempt that failed because PostgreSQL was unreachable failed, without a dead letter', () => {
    const lost = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(afterFailedAttempt(lost, 1, 3)).toBe('retry');
    expect(afterFailedAttempt(lost, 3, 3)).toBe('leave-failed');
  });
});

describe('ensureAction', () => {
  it('adds a missing job, revives a failed one, replaces a completed one and leaves live ones', () => {
    expect(ensureAction(undefined, false)).toBe('add');
    expect(ensureAction('unknown', false)).toBe('add');
    expect(ensureAction('failed', false)).toBe('retry');
    expect(ensureAction('completed', false)).toBe('replace');
    for (const state of ['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']) expect(ensureAction(state, false)).toBe('none');
  });

  it('leaves a dead-lettered job alone until it is replayed', () => {
    for (const state of [undefined, 'unknown', 'failed', 'completed']) expect(ensureAction(state, true)).toBe('none');
  });
});
