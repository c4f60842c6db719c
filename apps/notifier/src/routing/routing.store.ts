import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RoutingDecision } from './routing';
import { RoutingDecisionRecord } from './routing.entities';

/** The routing module's table: one decision per referral. */
@Injectable()
export class RoutingStore {
  /** Records the referral's decision in the caller's transaction; false when it was already routed. */
  async recordDecision(manager: EntityManager, referralId: string, decision: RoutingDecision): Promise<boolean> {
    const stored = await manager
      .createQueryBuilder()
      .insert()
      .into(RoutingDecisionRecord)
      .values({
        referralId,
        outcome: decision.outcome,
        linkWorkerId: decision.linkWorkerId ?? null,
        pcnOdsCode: decision.pcnOdsCode ?? null,
        area: decision.area ?? null,
        tasks: decision.tasks,
        suggestions: decision.suggestions,
        unroutedReason: decision.unroutedReason ?? null,
      })
      .orIgnore()
      .returning(['referralId'])
      .execute();
    return stored.raw.length > 0;
  }
}
