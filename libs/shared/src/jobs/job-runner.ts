import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { runWithCorrelation } from '../logging/correlation';
import { describeError } from '../logging/error-serializer';
import { workerConnection } from '../transport/redis-connections';
import { DEFAULT_SHUTDOWN_GRACE_MS, afterFailedAttempt } from '../transport/transport-options';
import { closeWorkerWithin } from '../transport/worker-shutdown';
import { JOB_HANDLER, JOB_SWEEPER, JobContext } from './job-decorators';
import { JobDeadLetterStore } from './job-dead-letters';
import { JobQueues, PlannedJob } from './job-queues';
import { FoundHandler, handlerProblems, workerOptionsFor } from './job-settings';
import { JOBS, JobNameValue, JobQueueDefinition, jobIdOf, jobQueuesOf } from './job-types';
import { JOB_RUNNER_OPTIONS, JobRunnerOptions } from './job-runner-options';
import { SweepSource, sweepAll } from './sweeper';

const JOB_FAILURE_WORDS: Record<ReturnType<typeof afterFailedAttempt>, string> = {
  retry: 'did not complete, will retry',
  'dead-letter': 'failed, giving up (dead-lettered)',
  'leave-failed': 'failed with PostgreSQL unreachable, left for the sweeper',
};

type BoundHandler = (payload: any, context: JobContext) => Promise<unknown>;

interface RunningSweep {
  source: SweepSource;
  timer?: NodeJS.Timeout;
  inFlight: Promise<unknown>;
}

const DEFAULT_SWEEP_PAGE = 500;
/** Schedules are put in place again this often, in case Redis lost them. */
const SCHEDULES_EVERY_MS = 5 * 60_000;

/**
 * Works every job queue its service owns (per the registry in job-types.ts): finds the @JobHandler
 * methods and @JobSweeper providers, refuses to start when a job has no handler, runs one BullMQ worker
 * per queue with that queue's concurrency, rate limit and lock settings, dead-letters a job's final
 * failure in Postgres, runs the sweeps, and shuts down once, in order: sweeps stop, workers finish their
 * in-flight jobs, then (last, after every other provider) the queues close.
 */
@Injectable()
export class JobRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(JobRunner.name);
  private readonly handlers = new Map<string, BoundHandler>();
  private readonly sweeps: RunningSweep[] = [];
  private readonly workers: Worker[] = [];
  private connection: IORedis | undefined;
  private schedulesTimer: NodeJS.Timeout | undefined;
  private discovered = false;
  private started = false;
  private stopping = false;

  constructor(
    @Inject(JOB_RUNNER_OPTIONS) private readonly options: JobRunnerOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly queues: JobQueues,
    private readonly deadLetters: JobDeadLetterStore,
  ) {}

  /** Fails the boot with a message naming every job without a handler (and other wiring mistakes). */
  onModuleInit(): void {
    if (this.discovered) return;
    this.discovered = true;
    const found: FoundHandler[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const name: string | undefined = Reflect.getMetadata(JOB_HANDLER, prototype[method]);
        if (!name) continue;
        found.push({ name, where: `${instance.constructor.name}.${method}` });
        this.handlers.set(name, (prototype[method] as BoundHandler).bind(instance));
      }
      if (Reflect.getMetadata(JOB_SWEEPER, instance.constructor)) this.sweeps.push({ source: instance as unknown as SweepSource, inFlight: Promise.resolve() });
    }
    const problems = handlerProblems(this.options.service, found, this.options.settings);
    if (problems.length) throw new Error(`${this.options.service} cannot start its job runner: ${problems.join('; ')}`);
  }

  onApplicationBootstrap(): void {
    // A hybrid app (HTTP plus the event consumer) runs bootstrap hooks twice.
    if (this.started) return;
    this.started = true;
    const queues = jobQueuesOf(this.options.service);
    if (queues.length === 0) return;
    this.connection = workerConnection(this.options.redisUrl);
    for (const queue of queues) this.workers.push(this.startWorker(queue));
    for (const sweep of this.sweeps) this.scheduleSweep(sweep);
    if (Object.keys(this.options.schedules ?? {}).length > 0) {
      void this.ensureSchedules();
      this.schedulesTimer = setInterval(() => void this.ensureSchedules(), SCHEDULES_EVERY_MS);
    }
  }

  /** Puts every scheduled job of this service in place (idempotent); Redis being away only delays it. */
  async ensureSchedules(): Promise<void> {
    for (const [name, everyMs] of Object.entries(this.options.schedules ?? {})) {
      await this.queues
        .schedule(name as JobNameValue, everyMs as number)
        .catch((error: unknown) => this.logger.warn(`Could not schedule ${name} every ${everyMs} ms yet (tried again in ${SCHEDULES_EVERY_MS} ms): ${describeError(error)}`));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.schedulesTimer);
    for (const sweep of this.sweeps) clearTimeout(sweep.timer);
    await Promise.all(this.sweeps.map((sweep) => sweep.inFlight));
    const graceMs = this.options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    const outcomes = await Promise.all(this.workers.map((worker) => closeWorkerWithin(worker, graceMs)));
    if (outcomes.includes('abandoned')) this.logger.warn(`Jobs still running ${graceMs} ms into shutdown were abandoned; they run again when their claim expires`);
    this.connection?.disconnect();
  }

  /** Producers close last: event handlers and HTTP requests that enqueue have finished by now. */
  async onApplicationShutdown(): Promise<void> {
    await this.queues.close();
  }

  /** Runs one sweep now (tests, and the timer): every candidate row gets its job. */
  async sweep(source: SweepSource): Promise<number> {
    const result = await sweepAll(source, this.options.sweepPageSize ?? DEFAULT_SWEEP_PAGE, (jobs) => this.ensure(jobs));
    if (result.changed > 0) this.logger.log(`Sweep of ${source.name}: ${result.changed} job(s) added or revived among ${result.rows} row(s)`);
    return result.changed;
  }

  /** Runs every sweep of this service once; returns how many jobs they added or revived. */
  async runSweeps(): Promise<number> {
    let changed = 0;
    for (const { source } of this.sweeps) changed += await this.sweep(source);
    return changed;
  }

  private async ensure(jobs: PlannedJob[]): Promise<number> {
    let changed = 0;
    const byQueue = new Map<string, PlannedJob[]>();
    for (const job of jobs) byQueue.set(JOBS[job.name].queue, [...(byQueue.get(JOBS[job.name].queue) ?? []), job]);
    for (const [queue, queued] of byQueue) {
      const dead = await this.deadLetters.openAmong(queue, queued.map((job) => jobIdOf(job.name, job.payload as never)));
      changed += (await this.queues.ensureQueued(queued, dead)).filter((action) => action !== 'none').length;
    }
    return changed;
  }

  private scheduleSweep(sweep: RunningSweep): void {
    if (this.stopping) return;
    sweep.timer = setTimeout(() => {
      sweep.inFlight = this.sweep(sweep.source)
        .catch((error: Error) => this.logger.warn(`Sweep of ${sweep.source.name} failed, next in ${sweep.source.everyMs} ms: ${describeError(error)}`))
        .finally(() => this.scheduleSweep(sweep));
    }, sweep.source.everyMs);
  }

  private startWorker(queue: JobQueueDefinition): Worker {
    const settings = this.options.settings[queue.name]!;
    const worker = new Worker(queue.name, (job: Job) => this.process(queue, job), {
      connection: this.connection!,
      prefix: this.options.redisPrefix,
      ...workerOptionsFor(settings),
    });
    worker.on('error', (error) => this.logger.warn(`Worker of ${queue.name}: ${describeError(error)}`));
    return worker;
  }

  private async process(queue: JobQueueDefinition, job: Job): Promise<unknown> {
    const payload = (job.data ?? {}) as { correlationId?: string };
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const context: JobContext = {
      jobId: String(job.id),
      attempt,
      maxAttempts,
      lastAttempt: attempt >= maxAttempts,
      checkpoint: job.progress !== null && typeof job.progress === 'object' ? (job.progress as Record<string, unknown>) : undefined,
      saveCheckpoint: (checkpoint) => job.updateProgress(checkpoint),
    };
    return runWithCorrelation({ correlationId: payload.correlationId ?? String(job.id), jobId: job.id }, async () => {
      try {
        const handler = this.handlers.get(job.name);
        if (!handler) throw new UnrecoverableError(`${this.options.service} has no handler for ${job.name} on ${queue.name}`);
        return await handler(job.data, context);
      } catch (error) {
        const next = afterFailedAttempt(error, attempt, maxAttempts);
        this.logger.warn(
          { queue: queue.name, job: job.name, jobId: job.id, attempt, maxAttempts },
          `${job.name} ${job.id}: attempt ${attempt} of ${maxAttempts} ${JOB_FAILURE_WORDS[next]}: ${describeError(error)}`,
        );
        if (next === 'dead-letter') {
          await this.deadLetters
            .record({ queue: queue.name, jobName: job.name, jobId: String(job.id), payload: job.data, error, attempts: attempt })
            .catch((recordError: Error) => this.logger.error(`Could not dead-letter ${job.name} ${job.id} (the sweeper will try it again): ${describeError(recordError)}`));
        }
        throw error;
      }
    });
  }
}
