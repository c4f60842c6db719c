import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { UnrecoverableError } from 'bullmq';
import { EventContext, EventEnvelope, EventType } from '@app/shared';
import { TasksService } from '../tasks/tasks.service';
import { RoutingService } from './routing.service';

@Controller()
export class RoutingListener {
  constructor(
    private readonly routing: RoutingService,
    private readonly tasks: TasksService,
  ) {}

  @EventPattern(EventType.ReferralReceived)
  async onReceived(@Payload() event: EventEnvelope<typeof EventType.ReferralReceived>, @Ctx() ctx: EventContext): Promise<void> {
    if (!event.payload?.practiceOdsCode || !Array.isArray(event.payload.needs)) {
      throw new UnrecoverableError(`referral.received ${event.id} lacks practiceOdsCode or needs`);
    }
    const outcome = await this.routing.route(ctx.manager, event);
    if (!outcome) return;
    ctx.afterCommit(() => this.tasks.start(outcome.followUps));
  }
}
