import { Injectable } from '@nestjs/common';
import { JobHandler, JobName } from '@app/shared';
import { CaseworkService } from './casework.service';

/**
 * Deletes the person's details once their retention has run out: a job the runner schedules every
 * PERSON_DETAILS_SWEEP_MS (see notifier-jobs.ts), on one replica at a time. The due time is on the row
 * (Postgres is the truth), so a missed run only delays the deletion; a failed one is retried.
 */
@Injectable()
export class DetailsRetention {
  constructor(private readonly casework: CaseworkService) {}

  @JobHandler(JobName.DeleteExpiredPersonDetails)
  async deleteExpired(): Promise<void> {
    await this.casework.deleteExpiredDetails();
  }
}
