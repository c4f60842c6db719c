import { DynamicModule, Global, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeadLetterStore } from './dead-letters';
import { EventPublisher } from './event-publisher';
import { BullMqEventServer } from './event-server';
import { OutboxRelay } from './outbox-relay';
import { EVENT_TRANSPORT_OPTIONS, EventTransportOptions } from './transport-options';

@Injectable()
export class OutboxRelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly relay: OutboxRelay) {}

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
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
          provide: DeadLetterStore,
          inject: [DataSource, EVENT_TRANSPORT_OPTIONS],
          useFactory: (dataSource: DataSource, transport: EventTransportOptions) => new DeadLetterStore(dataSource, transport),
        },
        OutboxRelayLifecycle,
      ],
      exports: [EVENT_TRANSPORT_OPTIONS, EventPublisher, OutboxRelay, DeadLetterStore],
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
