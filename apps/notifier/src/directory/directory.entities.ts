import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { NotificationChannel } from '@app/shared';

/** A need category (HSDS taxonomy_term); codes are the controlled needs list intake validates. */
@Entity({ schema: 'notifier', name: 'taxonomy_term' })
export class TaxonomyTerm {
  @PrimaryColumn('text')
  code: string;

  @Column('text')
  name: string;

  @Column('text')
  vocabulary: string;
}

@Entity({ schema: 'notifier', name: 'pcn' })
export class Pcn {
  @PrimaryColumn('text', { name: 'ods_code' })
  odsCode: string;

  @Column('text')
  name: string;

  @Column('uuid', { name: 'lead_link_worker_id', nullable: true })
  leadLinkWorkerId: string | null;
}

@Entity({ schema: 'notifier', name: 'practice' })
export class Practice {
  @PrimaryColumn('text', { name: 'ods_code' })
  odsCode: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'pcn_ods_code' })
  pcnOdsCode: string;

  @Column('text', { nullable: true })
  postcode: string | null;
}

export interface LinkWorkerRoutingRules {
  /** automatic: matching organisations get the task at once; link-worker-first: the link worker forwards it. */
  forwardToOrganisations: 'automatic' | 'link-worker-first';
  /** Most organisations one referral goes to. */
  maxOrganisations: number;
  /** Needs the link worker keeps for themselves (never forwarded). */
  excludedNeeds: string[];
}

@Entity({ schema: 'notifier', name: 'link_worker' })
export class LinkWorker {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  email: string | null;

  @Column('text', { nullable: true })
  mobile: string | null;

  @Column('text', { array: true })
  channels: NotificationChannel[];

  @Column('text', { name: 'pcn_ods_codes', array: true })
  pcnOdsCodes: string[];

  @Column('text', { name: 'practice_ods_codes', array: true })
  practiceOdsCodes: string[];

  @Column('jsonb', { name: 'routing_rules' })
  routingRules: LinkWorkerRoutingRules;

  @Column('boolean')
  active: boolean;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** HSDS organization. */
@Entity({ schema: 'notifier', name: 'organisation' })
export class Organisation {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text', { nullable: true })
  url: string | null;

  @Column('text', { nullable: true })
  email: string | null;

  @Column('text', { nullable: true })
  mobile: string | null;

  /**
   * The staff who may sign in to the workspace for this organisation (with the organisation's own email).
   * Stored lower-cased: sign-in matches addresses case-insensitively.
   */
  @Column('text', { name: 'referral_contacts', array: true, default: () => "'{}'" })
  referralContacts: string[];

  @Column('text', { array: true })
  channels: NotificationChannel[];

  @Column('boolean', { name: 'accepting_referrals' })
  acceptingReferrals: boolean;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** HSDS service: what an organisation offers, tagged with need categories. */
@Entity({ schema: 'notifier', name: 'service' })
export class CommunityService {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organisation_id' })
  organisationId: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text')
  status: 'active' | 'inactive';

  @Column('text', { array: true })
  needs: string[];
}

/** HSDS location. */
@Entity({ schema: 'notifier', name: 'location' })
export class Location {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'organisation_id' })
  organisationId: string;

  @Column('text')
  name: string;

  @Column('text')
  postcode: string;

  @Column('text', { name: 'postcode_district' })
  postcodeDistrict: string;
}

/** HSDS service_at_location. */
@Entity({ schema: 'notifier', name: 'service_at_location' })
export class ServiceAtLocation {
  @PrimaryColumn('uuid', { name: 'service_id' })
  serviceId: string;

  @PrimaryColumn('uuid', { name: 'location_id' })
  locationId: string;
}

export const DIRECTORY_ENTITIES = [TaxonomyTerm, Pcn, Practice, LinkWorker, Organisation, CommunityService, Location, ServiceAtLocation];
