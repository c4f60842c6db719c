import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { UnrecoverableError } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { EventContext, EventEnvelope, EventType } from '@app/shared';
import { referralTask, taskSourceOf } from '../referrals/fhir/fhir-task';
import { ReferralStore } from '../referrals/referral.store';
import { statusUrl } from '../referrals/referrals.service';
import { StatusStore } from './status.store';
import { StatusCallbackDispatcher } from './status-callbacks';
import { historyFactsOf, referralLifecycle } from './status-transitions';

export const STATUS_CALLBACK_TYPE = 'referral.status-changed';

/**
 * Closes the loop with the GP system: other services' decisions move the referral's status, and a
 * signed status callback goes to the sender. The callback row commits with the status change; its
 * delivery job starts after commit.
 */
@Controller()
export class StatusEventsController {
  private readonly logger = new Logger(StatusEventsController.name);

  constructor(
    private readonly callbacks: StatusCallbackDispatcher,
    private readonly referrals: ReferralStore,
    private readonly store: StatusStore,
  ) {}

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

  @EventPattern(EventType.ReferralContacted)
  contacted(@Payload() event: EventEnvelope<typeof EventType.ReferralContacted>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  @EventPattern(EventType.SessionAttended)
  sessionAttended(@Payload() event: EventEnvelope<typeof EventType.SessionAttended>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  @EventPattern(EventType.SessionMissed)
  sessionMissed(@Payload() event: EventEnvelope<typeof EventType.SessionMissed>, @Ctx() ctx: EventContext) {
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

  @EventPattern(EventType.ReferralCancelled)
  cancelled(@Payload() event: EventEnvelope<typeof EventType.ReferralCancelled>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  @EventPattern(EventType.ReferralConsentWithdrawn)
  consentWithdrawn(@Payload() event: EventEnvelope<typeof EventType.ReferralConsentWithdrawn>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  /** A hand-off changes who may accept: without it, an accepting organisation the GP never routed to is refused. */
  @EventPattern(EventType.ReferralOffered)
  offered(@Payload() event: EventEnvelope<typeof EventType.ReferralOffered>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  @EventPattern(EventType.ReferralOfferWithdrawn)
  offerWithdrawn(@Payload() event: EventEnvelope<typeof EventType.ReferralOfferWithdrawn>, @Ctx() ctx: EventContext) {
    return this.apply(event, ctx);
  }

  /**
   * Keeps the event's lifecycle facts, folds the referral's whole history through the shared lifecycle,
   * and tells the sender when the folded status differs from the one it was last told.
   */
  private async apply(event: EventEnvelope, ctx: EventContext): Promise<void> {
    const locked = await this.referrals.lockWithCallbackTarget(ctx.manager, event.referralId);
    if (!locked) throw new UnrecoverableError(`${event.type} for unknown referral ${event.referralId}`);
    const { referral, callbackTarget: sender } = locked;
    const history = await this.referrals.recordHistory(ctx.manager, {
      eventId: event.id,
      referralId: referral.id,
      type: event.type,
      occurredAt: new Date(event.occurredAt),
      facts: historyFactsOf(event),
    });
    const { state, refused, statusChangedAt: foldedAt } = referralLifecycle(referral, history);
    const refusal = refused.find((candidate) => candidate.event.id === event.id);
    if (refusal) this.logger.warn(`Referral ${referral.id}: ${refusal.reason}`);
    const status = state.status ?? referral.status;
    if (status === referral.status) {
      this.logger.log(`Referral ${referral.id} stays ${referral.status} after ${event.type}`);
      return;
    }
    const reason = state.statusReason;
    const previousStatus = referral.status;
    // When the status changed is the folded history's answer, not this event's time: an event that arrives
    // late (after one that follows it) must leave the referral as the events in order would.
    const statusChangedAt = foldedAt ?? new Date(event.occurredAt);
    await this.referrals.setStatus(ctx.manager, referral.id, { status, statusReason: reason ?? null, statusChangedAt });
    if (!sender?.callbackUrl || sender.disabled) return;
    const callbackId = randomUUID();
    await this.store.createCallback(ctx.manager, {
      id: callbackId,
      referralId: referral.id,
      senderId: sender.senderId,
      eventId: event.id,
      status,
      url: sender.callbackUrl,
      // The sender chose: our JSON, or the referral's FHIR R4 Task as it stands after this change.
      payload:
        sender.callbackFormat === 'fhir-task'
          ? referralTask(taskSourceOf(referral, history, state, { status, statusReason: reason, statusChangedAt }))
          : {
              type: STATUS_CALLBACK_TYPE,
              timestamp: statusChangedAt.toISOString(),
              data: {
                referralId: referral.id,
                senderReferralId: referral.senderReferralId,
                status,
                previousStatus,
                ...(reason ? { reason } : {}),
                occurredAt: statusChangedAt.toISOString(),
                statusUrl: statusUrl(referral.id),
              },
            },
    });
    ctx.afterCommit(() => this.callbacks.enqueue(callbackId, event.correlationId));
  }
}
