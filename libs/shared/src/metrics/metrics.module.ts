import { CanActivate, Controller, DynamicModule, ExecutionContext, Get, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { allQueues } from '../jobs/job-types';
import { bearerToken, sameSecret } from '../http/credentials';
import { ProblemException, problem } from '../http/problem-details';
import { DeadLetterStore } from '../transport/dead-letters';
import { OutboxReconciler } from '../transport/outbox-reconciler';
import { OutboxRelay } from '../transport/outbox-relay';
import { ServiceMetrics } from './service-metrics';

export interface MetricsModuleOptions {
  service: string;
  redisUrl: string;
  redisPrefix: string;
  /** When set, /metrics needs `Authorization: Bearer <token>`; when empty, only connections from this machine. */
  token: string;
}

const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may read /metrics: with METRICS_TOKEN set, a scraper presenting it as a bearer token; without it, only a
 * connection whose socket peer is this machine (never the X-Forwarded-For a proxy passes on), so `curl
 * localhost:<port>/metrics` works on a developer machine and nothing is exposed to the network by default.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(@Inject(METRICS_OPTIONS) private readonly options: MetricsModuleOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; raw: { socket: { remoteAddress?: string } } }>();
    if (this.options.token.length === 0) {
      if (LOOPBACK.has(request.raw.socket.remoteAddress ?? '')) return true;
      throw new ProblemException(problem(403, 'Metrics are served only to this machine unless METRICS_TOKEN is set.'));
    }
    if (sameSecret(bearerToken(request.headers.authorization), this.options.token)) return true;
    throw new ProblemException(problem(401, 'A valid metrics token is required (Authorization: Bearer <METRICS_TOKEN>).'), { 'WWW-Authenticate': 'Bearer' });
  }
}

@ApiExcludeController()
@Controller('metrics')
@UseGuards(MetricsAccessGuard)
export class MetricsController {
  constructor(private readonly metrics: ServiceMetrics) {}

  @Get()
  async scrape(@Res() reply: { header(name: string, value: string): unknown; send(body: string): unknown }): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    reply.header('content-type', contentType);
    reply.header('cache-control', 'no-store');
    reply.send(body);
  }
}

/** What every service reports about its event transport: outbox lag, dead letters, its queue, re-published events. */
@Injectable()
export class TransportMetrics implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly relay: OutboxRelay,
    private readonly deadLetters: DeadLetterStore,
    private readonly reconciler: OutboxReconciler,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsModuleOptions,
  ) {}

  onModuleInit(): void {
    // Every queue this service works, events' and jobs' alike, from the one registry.
    for (const { queue } of allQueues().filter((queue) => queue.service === this.options.service)) this.metrics.watchQueue(queue);
    this.metrics.gauge('outbox_unpublished_events', 'Events committed but not yet relayed to Redis', [], async () => {
      return [{ value: await this.relay.pendingCount() }];
    });
    this.metrics.gauge('outbox_lag_seconds', 'Age of the oldest event not yet relayed to Redis (0 when none waits)', [], async () => {
      return [{ value: await this.relay.lagSeconds() }];
    });
    this.metrics.gauge('event_dead_letters', 'Events this service gave up on and that were not replayed', [], async () => {
      return [{ value: await this.deadLetters.openCount() }];
    });
    this.metrics.counter('events_republished_total', 'Events re-added to a queue because Redis had lost them, or retried because their consumer gave up while PostgreSQL was unreachable (since this process started)', () => this.reconciler.republishedTotal);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.metrics.close();
  }
}

/** GET /metrics in Prometheus format, and the registry each service adds its own figures to. */
@Global()
@Module({})
export class MetricsModule {
  static forService(options: MetricsModuleOptions): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [
        { provide: METRICS_OPTIONS, useValue: options },
        { provide: ServiceMetrics, useFactory: () => new ServiceMetrics(options) },
        MetricsAccessGuard,
        TransportMetrics,
      ],
      exports: [ServiceMetrics],
    };
  }
}
