import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { describeError } from '../logging/error-serializer';
import { logQueueErrors } from '../transport/queue-errors';
import { producerConnection, whenRedisReady } from '../transport/redis-connections';
import { EnsureAction, JobQueueSettingsMap, ensureAction, jobOptionsFor } from './job-settings';
import { JOBS, JobNameValue, JobPayloads, QueueNameValue, jobIdOf } from './job-types';

/** One unit of work to put on its queue: the job's name, its payload (row id), and when it falls due. */
export type PlannedJob = { [N in JobNameValue]: { name: N; payload: JobPayloads[N]; runAt?: Date } }[JobNameValue];

export function planJob<N extends JobNameValue>(name: N, payload: JobPayloads[N], runAt?: Date): PlannedJob {
  return { name, payload, ...(runAt ? { runAt } : {}) } as PlannedJob;
}

export interface JobQueuesOptions {
  redisUrl: string;
  redisPrefix: string;
  settings: JobQueueSettingsMap;
}

/**
 * The producer side of every job queue of a service: adds jobs with the queue's retry policy and the job
 * id derived from the row, removes them, and makes sure a due row has a live job. Queue errors are logged
 * (at most one line per queue every 30 s while Redis is away), never swallowed.
 */
export class JobQueues {
  private readonly connection: IORedis;
  private readonly queues = new Map<QueueNameValue, Queue>();
  private closed = false;

  constructor(
    private readonly options: JobQueuesOptions,
    private readonly logger = new Logger(JobQueues.name),
  ) {
    this.connection = producerConnection(options.redisUrl);
  }

  queue(name: QueueNameValue): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.options.redisPrefix, skipWaitingForReady: true });
      logQueueErrors(queue, this.logger);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Adds jobs; throws when Redis refuses. */
  async add(jobs: PlannedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await whenRedisReady(this.connection);
    const byQueue = new Map<QueueNameValue, PlannedJob[]>();
    for (const job of jobs) byQueue.set(JOBS[job.name].queue, [...(byQueue.get(JOBS[job.name].queue) ?? []), job]);
    for (const [queueName, queued] of byQueue) {
      await this.queue(queueName).addBulk(queued.map((job) => ({ name: job.name, data: job.payload, opts: this.jobOptions(job) })));
    }
  }

  /**
   * Adds jobs for rows that just committed. Redis being away only delays them: the rows are the truth and
   * the sweeper adds what is missing, so this logs and returns false instead of failing the caller.
   */
  async enqueue(jobs: PlannedJob[]): Promise<boolean> {
    try {
      await this.add(jobs);
      return true;
    } catch (error) {
      this.logger.warn(`Could not queue ${jobs.length} job(s) (${[...new Set(jobs.map((job) => job.name))].join(', ')}) yet; the sweeper will: ${describeError(error)}`);
      return false;
    }
  }

  async remove(job: PlannedJob): Promise<void> {
    await this.queue(JOBS[job.name].queue).remove(jobIdOf(job.name, job.payload as never));
  }

  /** Makes sure each job has a live job in Redis (see ensureAction); returns what it did to each. */
  async ensureQueued(jobs: PlannedJob[], deadLettered: ReadonlySet<string> = new Set()): Promise<EnsureAction[]> {
    if (jobs.length === 0) return [];
    await whenRedisReady(this.connection);
    // One pipelined round of state lookups for the page (the common case: every job is there), then only
    // the jobs that must change are touched; missing ones are added in one bulk per queue.
    const actions = await Promise.all(
      jobs.map(async (job) => {
        const jobId = jobIdOf(job.name, job.payload as never);
        return ensureAction(await this.queue(JOBS[job.name].queue).getJobState(jobId), deadLettered.has(jobId));
      }),
    );
    const toAdd: PlannedJob[] = [];
    for (const [index, job] of jobs.entries()) {
      const queue = this.queue(JOBS[job.name].queue);
      const jobId = jobIdOf(job.name, job.payload as never);
      if (actions[index] === 'retry') await (await queue.getJob(jobId))?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      if (actions[index] === 'replace') await queue.remove(jobId);
      if (actions[index] === 'add' || actions[index] === 'replace') toAdd.push(job);
    }
    await this.add(toAdd);
    return actions;
  }

  /** Makes sure a scheduled job runs every `everyMs` (idempotent: the scheduler's id is the job name). */
  async schedule(name: JobNameValue, everyMs: number): Promise<void> {
    await whenRedisReady(this.connection);
    const queueName = JOBS[name].queue;
    const settings = this.options.settings[queueName];
    if (!settings) throw new Error(`No settings for queue ${queueName}`);
    await this.queue(queueName).upsertJobScheduler(name, { every: everyMs }, { name, data: {}, opts: jobOptionsFor(settings) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.connection.disconnect();
  }

  private jobOptions(job: PlannedJob) {
    const queueName = JOBS[job.name].queue;
    const settings = this.options.settings[queueName];
    if (!settings) throw new Error(`No settings for queue ${queueName}`);
    return {
      ...jobOptionsFor(settings),
      jobId: jobIdOf(job.name, job.payload as never),
      ...(job.runAt ? { delay: Math.max(0, job.runAt.getTime() - Date.now()) } : {}),
    };
  }

}
