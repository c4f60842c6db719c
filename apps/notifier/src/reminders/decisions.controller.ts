import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventContext, EventEnvelope, EventType } from '@app/shared';
import { DeliveryQueues, QueuedNotification } from '../delivery/delivery-queues';
import { NotificationsService } from '../delivery/notifications.service';
import { DirectoryStore } from '../directory/directory.store';
import { RoutingDecisionRecord, Task } from '../routing/routing.entities';
import { RemindersService } from './reminders.service';

type DecisionEvent = EventEnvelope<typeof EventType.ReferralAccepted> | EventEnvelope<typeof EventType.ReferralDeclined>;

/**
 * A decided task needs no reminder, and an organisation's answer goes to the referral's link worker.
 * Decisions made on our own page already closed the task; this also covers decisions recorded elsewhere.
 */
@Controller()
export class DecisionsListener {
  constructor(
    private readonly reminders: RemindersService,
    private readonly notifications: NotificationsService,
    private readonly deliveryQueues: DeliveryQueues,
    private readonly directory: DirectoryStore,
  ) {}

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
    const told = event.payload.recipientType === 'organisation' ? await this.tellLinkWorker(ctx, tasks) : [];
    ctx.afterCommit(() => this.reminders.cancel(tasks.map((task) => task.id)));
    ctx.afterCommit(() => this.deliveryQueues.enqueue(told));
  }

  /** By email only: the SMS template announces new referrals, not answers. */
  private async tellLinkWorker(ctx: EventContext, tasks: Task[]): Promise<QueuedNotification[]> {
    const decision = await ctx.manager.findOneBy(RoutingDecisionRecord, { referralId: tasks[0]?.referralId ?? '00000000-0000-0000-0000-000000000000' });
    const worker = decision?.linkWorkerId ? await this.directory.recipient('link-worker', decision.linkWorkerId, ctx.manager) : null;
    if (!worker) return [];
    const created: QueuedNotification[] = [];
    for (const task of tasks) {
      created.push(
        ...(await this.notifications.createForTask(ctx.manager, {
          referralId: task.referralId,
          taskId: task.id,
          kind: 'decision',
          recipientType: 'link-worker',
          recipient: { ...worker, channels: ['email'] },
          correlationId: task.correlationId,
        })),
      );
    }
    return created;
  }
}
