import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { UnrecoverableError } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { EventContext, EventEnvelope, EventType } from '@app/shared';
import { Referral } from '../referrals/referral.entity';
import { statusUrl } from '../referrals/referrals.service';
import { Sender } from '../senders/sender.entity';
import { StatusCallback } from './status-callback.entity';
import { StatusCallbackDispatcher } from './status-callbacks';
import { STATUS_EVENTS, StatusEventType, nextStatus } from './status-transitions';

export const STATUS_CALLBACK_TYPE = 'referral.status-changed';

/**
 * Closes the loop with the GP system: other services' decisions move the referral's status, and a
 * signed status callback goes to the sender. The callback row commits with the status change; its
 * delivery job starts after commit.
 */
@Controller()
export class StatusEventsController {
  private readonly logger = new Logger(StatusEventsController.name);

  constructor(private readonly callbacks: StatusCallbackDispatcher) {}

  @EventPattern(EventType.ReferralRouted)
  routed(@Payload() event: EventEnvelope<typeof EventType.ReferralRouted>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  @EventPattern(EventType.ReferralUnrouted)
  unrouted(@Payload() event: EventEnvelope<typeof EventType.ReferralUnrouted>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  @EventPattern(EventType.ReferralAccepted)
  accepted(@Payload() event: EventEnvelope<typeof EventType.ReferralAccepted>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  @EventPattern(EventType.ReferralDeclined)
  declined(@Payload() event: EventEnvelope<typeof EventType.ReferralDeclined>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  @EventPattern(EventType.ReferralCompleted)
  completed(@Payload() event: EventEnvelope<typeof EventType.ReferralCompleted>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  @EventPattern(EventType.ReferralClosed)
  closed(@Payload() event: EventEnvelope<typeof EventType.ReferralClosed>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  private async apply(event: EventEnvelope<StatusEventType>, ctx: EventContext): Promise<void> {
    const incoming = STATUS_EVENTS[event.type];
    const referral = await ctx.manager.findOne(Referral, { where: { id: event.referralId }, lock: { mode: 'pessimistic_write' } });
    if (!referral) throw new UnrecoverableError(`${event.type} for unknown referral ${event.referralId}`);
    const status = nextStatus(referral.status, incoming);
    if (!status) {
      this.logger.log(`Referral ${referral.id} stays ${referral.status}: ${event.type} arrived after it`);
      return;
    }
    const reason = (event.payload as { reason?: string }).reason ?? null;
    const previousStatus = referral.status;
    await ctx.manager.update(Referral, { id: referral.id }, { status, statusReason: reason, statusChangedAt: new Date(event.occurredAt) });
    const sender = referral.senderId ? await ctx.manager.findOneBy(Sender, { id: referral.senderId }) : null;
    if (!sender?.callbackUrl || sender.disabledAt) return;
    const callback = ctx.manager.create(StatusCallback, {
      id: randomUUID(),
      referralId: referral.id,
      senderId: sender.id,
      eventId: event.id,
      status,
      url: sender.callbackUrl,
      state: 'pending',
      attempts: 0,
      payload: {
        type: STATUS_CALLBACK_TYPE,
        timestamp: event.occurredAt,
        data: {
          referralId: referral.id,
          senderReferralId: referral.senderReferralId,
          status,
          previousStatus,
          ...(reason ? { reason } : {}),
          occurredAt: event.occurredAt,
          statusUrl: statusUrl(referral.id),
        },
      },
    });
    await ctx.manager.save(callback);
    ctx.afterCommit(() =>
      this.callbacks.enqueue(callback.id).catch((error: Error) => this.logger.warn(`Status callback ${callback.id} queued later by the sweep: ${error.message}`)),
    );
  }
}
