import { JobName, QueueName, ServiceJobs, queueSettings } from '@app/shared';
import { OutcomesEnvironment } from './environment';

/** Outcomes' scheduled housekeeping on the shared job runner: its published outbox rows past retention. */
export function outcomesJobs(env: OutcomesEnvironment): ServiceJobs {
  return {
    settings: { [QueueName.OutcomesMaintenance]: queueSettings(env, { concurrency: 1, maxAttempts: 3, backoffMs: 60_000 }) },
    schedules: { [JobName.PurgeOutcomesOutbox]: 60 * 60 * 1000 },
  };
}
