import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventContext, EventEnvelope, EventType } from '@app/shared';
import { CaseworkService } from './casework.service';
import { TasksService } from './tasks.service';

/**
 * What other services record about a referral (outcomes' recording API, an organisation's own system)
 * moves the referral in the workspace too. Each event is applied once (the inbox) in its own transaction.
 */
@Controller()
export class LifecycleListener {
  constructor(
    private readonly casework: CaseworkService,
    private readonly tasks: TasksService,
  ) {}

  @EventPattern([EventType.ReferralContacted, EventType.SessionAttended, EventType.SessionMissed, EventType.ReferralCompleted, EventType.ReferralClosed, EventType.MeasureRecorded])
  async onLifecycleEvent(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext): Promise<void> {
    const followUps = await this.casework.applyLifecycleEvent(ctx.manager, event);
    if (followUps) ctx.afterCommit(() => this.tasks.start(followUps));
  }

  /**
   * The GP system cancelled, or the person withdrew consent: every open offer is withdrawn (the organisation
   * is told, its link says no longer needed, its reminders stop), and on withdrawal the details go at once.
   */
  @EventPattern([EventType.ReferralCancelled, EventType.ReferralConsentWithdrawn])
  async onStopped(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext): Promise<void> {
    const followUps = await this.casework.stop(ctx.manager, event);
    ctx.afterCommit(() => this.tasks.start(followUps));
  }
}
