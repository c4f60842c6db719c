import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { EventEnvelope, EventPublisher, EventType } from '@app/shared';
import { loadRoutingDirectory } from '../directory/directory.snapshot';
import { DirectoryStore } from '../directory/directory.store';
import { QueuedNotification } from '../delivery/delivery-queues';
import { NotificationsService } from '../delivery/notifications.service';
import { RemindersService, ScheduledReminder } from '../reminders/reminders.service';
import { RoutingDecision, routeReferral } from './routing';
import { RoutingDecisionRecord, Task, TaskSummary } from './routing.entities';

export interface RoutingOutcome {
  decision: RoutingDecision;
  notifications: QueuedNotification[];
  reminders: ScheduledReminder[];
}

@Injectable()
export class RoutingService {
  private readonly logger = new Logger(RoutingService.name);

  constructor(
    private readonly events: EventPublisher,
    private readonly directory: DirectoryStore,
    private readonly notifications: NotificationsService,
    private readonly reminders: RemindersService,
  ) {}

  /**
   * Decides who gets the referral and records it all in the event's transaction: the decision, one task
   * per recipient, their notifications and the routed/unrouted event. Returns what to enqueue after commit.
   */
  async route(manager: EntityManager, event: EventEnvelope<typeof EventType.ReferralReceived>): Promise<RoutingOutcome | undefined> {
    const referral = event.payload;
    const directory = await loadRoutingDirectory(manager, referral);
    const decision = routeReferral(
      { practiceOdsCode: referral.practiceOdsCode, needs: referral.needs, postcode: referral.patient?.postcode, preferredOrganisationId: referral.preferredOrganisationId },
      directory,
    );
    const stored = await manager
      .createQueryBuilder()
      .insert()
      .into(RoutingDecisionRecord)
      .values({
        referralId: event.referralId,
        outcome: decision.outcome,
        linkWorkerId: decision.linkWorkerId ?? null,
        pcnOdsCode: decision.pcnOdsCode ?? null,
        area: decision.area ?? null,
        tasks: decision.tasks,
        unroutedReason: decision.unroutedReason ?? null,
      })
      .orIgnore()
      .returning(['referralId'])
      .execute();
    if (stored.raw.length === 0) {
      this.logger.log({ referralId: event.referralId }, 'Referral already routed; a second referral.received changes nothing');
      return undefined;
    }

    const summary: TaskSummary = {
      needs: referral.needs,
      urgency: referral.urgency,
      practiceOdsCode: referral.practiceOdsCode,
      practiceName: directory.practiceName,
      area: decision.area,
      receivedAt: referral.receivedAt,
    };
    const now = new Date();
    const outcome: RoutingOutcome = { decision, notifications: [], reminders: [] };
    for (const routed of decision.tasks) {
      const isOrganisation = routed.recipientType === 'organisation';
      const task = manager.create(Task, {
        id: randomUUID(),
        referralId: event.referralId,
        recipientType: routed.recipientType,
        recipientId: routed.recipientId,
        reason: routed.reason,
        status: 'open',
        summary,
        reminderDueAt: isOrganisation ? this.reminders.reminderDue(now) : null,
        correlationId: event.correlationId,
      });
      await manager.insert(Task, task);
      if (task.reminderDueAt) outcome.reminders.push({ taskId: task.id, stage: 'reminder', dueAt: task.reminderDueAt, correlationId: event.correlationId });
      const recipient = await this.directory.recipient(routed.recipientType, routed.recipientId, manager);
      if (!recipient) continue;
      outcome.notifications.push(
        ...(await this.notifications.createForTask(manager, {
          referralId: event.referralId,
          taskId: task.id,
          kind: 'task',
          recipientType: routed.recipientType,
          recipient,
          correlationId: event.correlationId,
        })),
      );
    }

    if (decision.outcome === 'routed' && decision.linkWorkerId) {
      await this.events.publish(manager, EventType.ReferralRouted, {
        referralId: event.referralId,
        correlationId: event.correlationId,
        payload: { linkWorkerId: decision.linkWorkerId, pcnOdsCode: decision.pcnOdsCode, tasks: decision.tasks },
      });
    } else {
      const fallback = decision.tasks.find((task) => task.reason === 'unrouted-pcn-lead') ?? decision.tasks[0];
      await this.events.publish(manager, EventType.ReferralUnrouted, {
        referralId: event.referralId,
        correlationId: event.correlationId,
        payload: { reason: decision.unroutedReason ?? 'no-matching-organisation', pcnOdsCode: decision.pcnOdsCode, fallbackLinkWorkerId: fallback?.recipientId },
      });
    }
    return outcome;
  }
}
