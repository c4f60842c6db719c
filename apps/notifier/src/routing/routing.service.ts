import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, EventPublisher, EventSealer, EventType, openReferralPerson } from '@app/shared';
import { DirectoryStore } from '../directory/directory.store';
import { CaseworkService } from '../tasks/casework.service';
import { FollowUps } from '../tasks/follow-ups';
import { TaskSummary } from '../tasks/task.entity';
import { TasksService } from '../tasks/tasks.service';
import { RoutingDecision, routeReferral } from './routing';
import { RoutingStore } from './routing.store';

export interface RoutingOutcome {
  decision: RoutingDecision;
  followUps: FollowUps;
}

@Injectable()
export class RoutingService {
  private readonly logger = new Logger(RoutingService.name);

  constructor(
    private readonly events: EventPublisher,
    private readonly tasks: TasksService,
    private readonly casework: CaseworkService,
    private readonly sealer: EventSealer,
    private readonly directory: DirectoryStore,
    private readonly store: RoutingStore,
  ) {}

  /**
   * Decides who gets the referral and records it all in the event's transaction: the decision, the referral
   * (with the person's details, sealed), the offers (tasks, made by the tasks module) and the routed/unrouted
   * event. Returns what to start after commit.
   */
  async route(manager: EntityManager, event: EventEnvelope<typeof EventType.ReferralReceived>): Promise<RoutingOutcome | undefined> {
    const referral = event.payload;
    if (await this.casework.endedBeforeRouting(manager, event.referralId)) {
      this.logger.log({ referralId: event.referralId }, 'Referral ended by the GP system before it was routed: offered to no one');
      return undefined;
    }
    // The one place the notifier opens who the referral is about: routing needs the postcode, and the
    // link worker's casework keeps the details (sealed again at rest).
    const person = openReferralPerson(this.sealer, event);
    const directory = await this.directory.routingDirectory(manager, referral);
    const decision = routeReferral(
      { practiceOdsCode: referral.practiceOdsCode, needs: referral.needs, postcode: person.patient.postcode, preferredOrganisationId: referral.preferredOrganisationId },
      directory,
    );
    const recorded = await this.store.recordDecision(manager, event.referralId, decision);
    if (!recorded) {
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
    await this.casework.open(manager, event, person, decision, directory.practiceName);
    const offered = await this.tasks.offer(
      manager,
      { referralId: event.referralId, correlationId: event.correlationId, summary },
      decision.tasks.map((task) => ({ ...task, needs: task.needs ?? referral.needs })),
      'routing',
      directory.contacts,
    );

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
    return { decision, followUps: offered.followUps };
  }
}
