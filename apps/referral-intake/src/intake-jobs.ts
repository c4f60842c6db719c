import { JobName, QueueName, ServiceJobs, queueSettings } from '@app/shared';
import { IntakeEnvironment } from './environment';
import { reopenStatusCallback } from './status/status-callback-jobs';

/** How intake works its queue of status callbacks, from its environment. */
export function intakeJobs(env: IntakeEnvironment): ServiceJobs {
  return {
    settings: {
      [QueueName.StatusCallbacks]: queueSettings(env, {
        concurrency: env.CALLBACK_CONCURRENCY,
        maxAttempts: env.CALLBACK_MAX_ATTEMPTS,
        backoffMs: env.CALLBACK_BACKOFF_MS,
      }),
      [QueueName.IntakeMaintenance]: queueSettings(env, { concurrency: 1, maxAttempts: 3, backoffMs: 60_000 }),
    },
    replays: { [JobName.DeliverStatusCallback]: reopenStatusCallback },
    schedules: { [JobName.PurgeIdempotencyKeys]: 60 * 60 * 1000, [JobName.PurgeIntakeOutbox]: 60 * 60 * 1000 },
  };
}
