import { Injectable, Logger, Type } from '@nestjs/common';
import { JobHandler } from '../jobs/job-decorators';
import { JobName } from '../jobs/job-types';
import { OutboxRelay } from './outbox-relay';

type OutboxPurgeJob = typeof JobName.PurgeIntakeOutbox | typeof JobName.PurgeNotifierOutbox | typeof JobName.PurgeOutcomesOutbox;

/**
 * The scheduled job (on the shared job runner, one replica per run) that deletes this service's published
 * outbox rows past OUTBOX_RETENTION_HOURS. Each service lists the provider for its own job.
 */
export function OutboxHousekeeping(job: OutboxPurgeJob): Type<unknown> {
  @Injectable()
  class PurgePublishedOutbox {
    private readonly logger = new Logger(`OutboxHousekeeping(${job})`);

    constructor(private readonly relay: OutboxRelay) {}

    @JobHandler(job)
    async purge(): Promise<void> {
      const deleted = await this.relay.purgePublished();
      if (deleted > 0) this.logger.log(`Deleted ${deleted} published outbox row(s) past retention`);
    }
  }
  return PurgePublishedOutbox;
}
