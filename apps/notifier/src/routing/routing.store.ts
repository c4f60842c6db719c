import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { preparedQuery } from '@app/shared';
import { NOTIFIER_SCHEMA } from '../environment';
import { RoutingDecision } from './routing';

const S = `"${NOTIFIER_SCHEMA}"`;

/** The routing module's table: one decision per referral. */
@Injectable()
export class RoutingStore {
  /** Records the referral's decision in the caller's transaction; false when it was already routed. */
  async recordDecision(manager: EntityManager, referralId: string, decision: RoutingDecision): Promise<boolean> {
    const stored = await preparedQuery(
      manager,
      `${NOTIFIER_SCHEMA}_routing_decision_insert`,
      `INSERT INTO ${S}."routing_decision" ("referral_id", "outcome", "link_worker_id", "pcn_ods_code", "area", "tasks", "suggestions", "unrouted_reason")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING "referral_id"`,
      [
        referralId,
        decision.outcome,
        decision.linkWorkerId ?? null,
        decision.pcnOdsCode ?? null,
        decision.area ?? null,
        JSON.stringify(decision.tasks),
        JSON.stringify(decision.suggestions),
        decision.unroutedReason ?? null,
      ],
    );
    return stored.length > 0;
  }
}
