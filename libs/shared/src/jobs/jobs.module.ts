import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { DeadLetterStore } from '../transport/dead-letters';
import { JobDeadLetterStore } from './job-dead-letters';
import { JobQueues } from './job-queues';
import { JobRunner } from './job-runner';
import { JOB_RUNNER_OPTIONS, JobRunnerOptions } from './job-runner-options';
import { ServiceDeadLetters } from './service-dead-letters';

/**
 * The job runner of one service: JobQueues to add work, the runner that works this service's queues,
 * and the service's dead letters (events and jobs alike).
 */
@Global()
@Module({})
export class JobsModule {
  static forService(options: JobRunnerOptions): DynamicModule {
    return {
      module: JobsModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: JOB_RUNNER_OPTIONS, useValue: options },
        { provide: JobQueues, useFactory: () => new JobQueues(options) },
        { provide: JobDeadLetterStore, inject: [DataSource], useFactory: (dataSource: DataSource) => new JobDeadLetterStore(dataSource, options.schema) },
        {
          provide: ServiceDeadLetters,
          inject: [DataSource, DeadLetterStore, JobQueues],
          useFactory: (dataSource: DataSource, events: DeadLetterStore, queues: JobQueues) =>
            new ServiceDeadLetters({ service: options.service, schema: options.schema, dataSource, events, jobs: { queues, replays: options.replays ?? {} } }),
        },
        JobRunner,
      ],
      exports: [JobQueues, JobRunner, ServiceDeadLetters],
    };
  }
}
