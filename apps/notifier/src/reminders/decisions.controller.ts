import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventContext, EventEnvelope, EventType } from '@app/shared';
import { Task } from '../routing/routing.entities';
import { RemindersService } from './reminders.service';

type DecisionEvent = EventEnvelope<typeof EventType.ReferralAccepted> | EventEnvelope<typeof EventType.ReferralDeclined>;

/**
 * A decided task needs no reminder. Decisions made on our own page already closed the task; this also
 * covers decisions recorded elsewhere (another service, another channel).
 */
@Controller()
export class DecisionsListener {
  constructor(private readonly reminders: RemindersService) {}

  @EventPattern(EventType.ReferralAccepted)
  onAccepted(@Payload() event: DecisionEvent, @Ctx() ctx: EventContext): Promise<void> {
    return this.apply(event, 'accepted', ctx);
  }

  @EventPattern(EventType.ReferralDeclined)
  onDeclined(@Payload() event: DecisionEvent, @Ctx() ctx: EventContext): Promise<void> {
    return this.apply(event, 'declined', ctx);
  }

  private async apply(event: DecisionEvent, status: 'accepted' | 'declined', ctx: EventContext): Promise<void> {
    const tasks = await ctx.manager.findBy(Task, { referralId: event.referralId, recipientId: event.payload.recipientId });
    for (const task of tasks.filter((candidate) => candidate.status === 'open')) {
      await ctx.manager.update(Task, { id: task.id, status: 'open' }, {
        status,
        decidedAt: new Date(event.payload.decidedAt),
        declineReason: status === 'declined' ? (event.payload.reason ?? null) : null,
        declineText: status === 'declined' ? (event.payload.reasonText ?? null) : null,
      });
    }
    ctx.afterCommit(() => this.reminders.cancel(tasks.map((task) => task.id)));
  }
}
