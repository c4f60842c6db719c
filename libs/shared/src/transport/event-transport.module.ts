import { DynamicModule, Global, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Sealer } from '../crypto/sealing';
import { DeadLetterStore } from './dead-letters';
import { EventPublisher } from './event-publisher';
import { BullMqEventServer } from './event-server';
import { OutboxReconciler } from './outbox-reconciler';
import { OutboxRelay } from './outbox-relay';
import { EVENT_TRANSPORT_OPTIONS, EventTransportOptions } from './transport-options';

/** This service's sealing of event fields (EVENT_SEALING_KEY), for sealReferralPerson and openReferralPerson. */
export class EventSealer extends Sealer {}

@Injectable()
export class OutboxRelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly reconciler: OutboxReconciler,
  ) {}

  onApplicationBootstrap(): void {
    this.relay.start();
    this.reconciler.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reconciler.stop();
    await this.relay.stop();
  }
}

export interface EventTransportModuleOptions {
  inject?: unknown[];
  useFactory: (...args: never[]) => EventTransportOptions;
  imports?: DynamicModule['imports'];
}

/** The outbox publisher, the relay and dead-letter access for one service. */
@Global()
@Module({})
export class EventTransportModule {
  static forRootAsync(options: EventTransportModuleOptions): DynamicModule {
    return {
      module: EventTransportModule,
      imports: options.imports ?? [],
      providers: [
        { provide: EVENT_TRANSPORT_OPTIONS, inject: (options.inject ?? []) as never[], useFactory: options.useFactory },
        {
          provide: EventPublisher,
          inject: [EVENT_TRANSPORT_OPTIONS],
          useFactory: (transport: EventTransportOptions) => new EventPublisher(transport.service, transport.schema),
        },
        {
          provide: OutboxRelay,
          inject: [DataSource, EVENT_TRANSPORT_OPTIONS],
          useFactory: (dataSource: DataSource, transport: EventTransportOptions) => new OutboxRelay(dataSource, transport),
        },
        {
          provide: OutboxReconciler,
          inject: [DataSource, EVENT_TRANSPORT_OPTIONS],
          useFactory: (dataSource: DataSource, transport: EventTransportOptions) => new OutboxReconciler(dataSource, transport),
        },
        {
          provide: DeadLetterStore,
          inject: [DataSource, EVENT_TRANSPORT_OPTIONS],
          useFactory: (dataSource: DataSource, transport: EventTransportOptions) => new DeadLetterStore(dataSource, transport),
        },
        {
          provide: EventSealer,
          inject: [EVENT_TRANSPORT_OPTIONS],
          useFactory: (transport: EventTransportOptions) => new EventSealer(transport.sealingKey),
        },
        OutboxRelayLifecycle,
      ],
      exports: [EVENT_TRANSPORT_OPTIONS, EventPublisher, OutboxRelay, OutboxReconciler, DeadLetterStore, EventSealer],
    };
  }
}

/**
 * Attaches the BullMQ event consumer to an app, so its @EventPattern handlers receive its queue's events.
 * It shares the app's global filters, whose RPC branch lets handler errors reach BullMQ as thrown.
 */
export function connectEventConsumer(app: INestApplication): BullMqEventServer {
  const server = new BullMqEventServer(app.get(DataSource), app.get<EventTransportOptions>(EVENT_TRANSPORT_OPTIONS));
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  return server;
}
