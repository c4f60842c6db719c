import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { logQueueErrors } from '../transport/queue-errors';
import { producerConnection } from '../transport/redis-connections';

export type LabelValues = Record<string, string>;

/** A reading of a gauge at scrape time: one value per combination of (bounded) label values. */
export type Reading = { labels?: LabelValues; value: number };

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

export interface ServiceMetricsOptions {
  service: string;
  redisUrl: string;
  redisPrefix: string;
}

/**
 * One Prometheus registry per running service (not prom-client's global one, so several apps can live in one
 * process, as in tests). Every label value is bounded: route patterns, never URLs; queue names; channel and
 * status words from our own code. Nothing here may carry patient data or an identifier of a referral.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly queues = new Map<string, Queue>();
  private connection: IORedis | undefined;

  constructor(private readonly options: ServiceMetricsOptions) {
    this.registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code: the _count is the request rate',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const queues = this.queues;
    const queueJobs = new Gauge({
      name: 'queue_jobs',
      help: 'Jobs in each BullMQ queue by state (waiting, active, delayed, failed, prioritized)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        await Promise.all(
          [...queues].map(async ([name, queue]) => {
            const counts = await queue.getJobCounts(...JOB_STATES);
            for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
          }),
        );
      },
    });
    void queueJobs;
  }

  /** Records one finished HTTP request. `route` is the matched pattern, or undefined when nothing matched. */
  observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method: HTTP_METHODS.has(method) ? method : 'OTHER', route: route ?? 'unmatched', status_code: String(statusCode) }, seconds);
  }

  /** Reports a queue's job counts on every scrape. */
  watchQueue(name: string): void {
    if (this.queues.has(name)) return;
    this.connection ??= producerConnection(this.options.redisUrl);
    const queue = new Queue(name, { connection: this.connection, prefix: this.options.redisPrefix, skipWaitingForReady: true });
    logQueueErrors(queue, new Logger('ServiceMetrics'), `Queue ${name} (metrics)`);
    this.queues.set(name, queue);
  }

  /** A gauge read at scrape time (e.g. from the database). */
  gauge(name: string, help: string, labelNames: string[], read: () => Promise<Reading[]>): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const readings = await read();
        this.reset();
        for (const reading of readings) {
          if (reading.labels) this.set(reading.labels, reading.value);
          else this.set(reading.value);
        }
      },
    });
  }

  /** A counter the caller increments (or, with `read`, one whose total is read at scrape time). */
  counter(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.connection?.disconnect();
  }
}
