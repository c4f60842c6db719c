import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { RoutingTask } from '@app/shared';

@Entity({ schema: 'notifier', name: 'routing_decision' })
export class RoutingDecisionRecord {
  @PrimaryColumn('uuid', { name: 'referral_id' })
  referralId: string;

  @Column('text')
  outcome: 'routed' | 'unrouted';

  @Column('uuid', { name: 'link_worker_id', nullable: true })
  linkWorkerId: string | null;

  @Column('text', { name: 'pcn_ods_code', nullable: true })
  pcnOdsCode: string | null;

  @Column('text', { nullable: true })
  area: string | null;

  @Column('jsonb')
  tasks: RoutingTask[];

  /** Organisations routing found for the referral's needs: offered at once, or waiting for the link worker (link-worker-first). */
  @Column('jsonb')
  suggestions: RoutingTask[];

  @Column('text', { name: 'unrouted_reason', nullable: true })
  unroutedReason: string | null;

  @CreateDateColumn({ name: 'decided_at', type: 'timestamptz' })
  decidedAt: Date;
}
