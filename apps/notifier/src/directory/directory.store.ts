import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { DirectoryDocument, DirectoryValidationError } from './directory-document';
import { type FieldProblem, postcodeDistrict, preparedQuery } from '@app/shared';
import { NOTIFIER_SCHEMA } from '../environment';
import { DEFAULT_ROUTING_RULES, RoutingDirectory } from '../routing/routing';
import { CommunityService, LinkWorker, Location, Organisation, Pcn, Practice, ServiceAtLocation, TaxonomyTerm } from './directory.entities';

const S = `"${NOTIFIER_SCHEMA}"`;

/** How a link worker or an organisation is reached. */
export interface RecipientContact {
  id: string;
  name: string;
  email: string | null;
  mobile: string | null;
  channels: string[];
}

/** A recipient's contact details, with which kind of recipient it is. */
export type DirectoryContact = RecipientContact & { recipientType: 'link-worker' | 'organisation' };

export interface ImportSummary {
  taxonomy: number;
  pcns: number;
  practices: number;
  linkWorkers: number;
  organisations: number;
  services: number;
  locations: number;
}

@Injectable()
export class DirectoryStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * What the document points at must exist in it or in the saved directory: each practice's PCN, each
   * PCN's lead link worker. A location or service id already owned by another organisation is refused,
   * since importing it would move it silently (or collide).
   */
  private async savedReferenceProblems(manager: EntityManager, document: DirectoryDocument): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    const pcnCodes = new Set((document.pcns ?? []).map((pcn) => pcn.odsCode));
    const wanted = [...new Set((document.practices ?? []).map((practice) => practice.pcnOdsCode).filter((code) => !pcnCodes.has(code)))];
    const savedPcns = new Set(wanted.length ? (await manager.find(Pcn, { where: { odsCode: In(wanted) }, select: { odsCode: true } })).map((pcn) => pcn.odsCode) : []);
    (document.practices ?? []).forEach((practice, index) => {
      if (!pcnCodes.has(practice.pcnOdsCode) && !savedPcns.has(practice.pcnOdsCode)) {
        problems.push({ pointer: `/practices/${index}/pcnOdsCode`, detail: `PCN ${practice.pcnOdsCode} is not in the directory or this document` });
      }
    });
    const workerIds = new Set((document.linkWorkers ?? []).map((worker) => worker.id));
    const leads = [...new Set((document.pcns ?? []).map((pcn) => pcn.leadLinkWorkerId).filter((id): id is string => Boolean(id) && !workerIds.has(id as string)))];
    const savedWorkers = new Set(leads.length ? (await manager.find(LinkWorker, { where: { id: In(leads) }, select: { id: true } })).map((worker) => worker.id) : []);
    (document.pcns ?? []).forEach((pcn, index) => {
      if (pcn.leadLinkWorkerId && !workerIds.has(pcn.leadLinkWorkerId) && !savedWorkers.has(pcn.leadLinkWorkerId)) {
        problems.push({ pointer: `/pcns/${index}/leadLinkWorkerId`, detail: `link worker ${pcn.leadLinkWorkerId} is not in the directory or this document` });
      }
    });
    const organisations = document.organisations ?? [];
    const locations = organisations.flatMap((organisation, o) => organisation.locations.map((item, i) => ({ id: item.id, organisationId: organisation.id, pointer: `/organisations/${o}/locations/${i}/id` })));
    const services = organisations.flatMap((organisation, o) => organisation.services.map((item, i) => ({ id: item.id, organisationId: organisation.id, pointer: `/organisations/${o}/services/${i}/id` })));
    const savedLocations = locations.length ? await manager.find(Location, { where: { id: In(locations.map((item) => item.id)) }, select: { id: true, organisationId: true } }) : [];
    const savedServices = services.length ? await manager.find(CommunityService, { where: { id: In(services.map((item) => item.id)) }, select: { id: true, organisationId: true } }) : [];
    for (const [kind, items, saved] of [['location', locations, savedLocations], ['service', services, savedServices]] as const) {
      const ownerOf = new Map(saved.map((row) => [row.id, row.organisationId]));
      for (const item of items) {
        const owner = ownerOf.get(item.id);
        if (owner && owner !== item.organisationId) problems.push({ pointer: item.pointer, detail: `${kind} ${item.id} belongs to another organisation` });
      }
    }
    return problems;
  }

  async isEmpty(): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM ${S}."practice") + (SELECT count(*) FROM ${S}."organisation") + (SELECT count(*) FROM ${S}."link_worker") AS "count"`,
    );
    return Number(row.count) === 0;
  }

  /**
   * Upserts everything in the document by id, in one transaction. An organisation's services, locations
   * and their links are replaced by the document's, so removing a service from the file removes it here.
   */
  async import(document: DirectoryDocument): Promise<ImportSummary> {
    return this.dataSource.transaction(async (manager) => {
      const problems = await this.savedReferenceProblems(manager, document);
      if (problems.length > 0) throw new DirectoryValidationError(problems);
      const summary: ImportSummary = { taxonomy: 0, pcns: 0, practices: 0, linkWorkers: 0, organisations: 0, services: 0, locations: 0 };
      for (const term of document.taxonomy ?? []) {
        await manager.upsert(TaxonomyTerm, { code: term.code, name: term.name, vocabulary: term.vocabulary ?? 'social-prescribing-needs' }, ['code']);
        summary.taxonomy += 1;
      }
      for (const pcn of document.pcns ?? []) {
        await manager.upsert(Pcn, { odsCode: pcn.odsCode, name: pcn.name, leadLinkWorkerId: pcn.leadLinkWorkerId ?? null }, ['odsCode']);
        summary.pcns += 1;
      }
      for (const practice of document.practices ?? []) {
        await manager.upsert(
          Practice,
          { odsCode: practice.odsCode, name: practice.name, pcnOdsCode: practice.pcnOdsCode, postcode: practice.postcode ?? null },
          ['odsCode'],
        );
        summary.practices += 1;
      }
      for (const worker of document.linkWorkers ?? []) {
        await manager.upsert(
          LinkWorker,
          {
            id: worker.id,
            name: worker.name,
            email: worker.email ?? null,
            mobile: worker.mobile ?? null,
            channels: worker.channels,
            pcnOdsCodes: worker.pcnOdsCodes,
            practiceOdsCodes: worker.practiceOdsCodes,
            routingRules: { ...DEFAULT_ROUTING_RULES, ...(worker.routingRules ?? {}) },
            active: worker.active ?? true,
          },
          ['id'],
        );
        summary.linkWorkers += 1;
      }
      for (const organisation of document.organisations ?? []) {
        await manager.upsert(
          Organisation,
          {
            id: organisation.id,
            name: organisation.name,
            description: organisation.description ?? null,
            url: organisation.url ?? null,
            email: organisation.email ?? null,
            mobile: organisation.mobile ?? null,
            referralContacts: [...new Set((organisation.referralContacts ?? []).map((email) => email.toLowerCase()))],
            channels: organisation.channels,
            acceptingReferrals: organisation.acceptingReferrals,
          },
          ['id'],
        );
        await manager.delete(CommunityService, { organisationId: organisation.id });
        await manager.delete(Location, { organisationId: organisation.id });
        for (const location of organisation.locations) {
          await manager.insert(Location, {
            id: location.id,
            organisationId: organisation.id,
            name: location.name,
            postcode: location.postcode.toUpperCase(),
            postcodeDistrict: postcodeDistrict(location.postcode) as string,
          });
          summary.locations += 1;
        }
        for (const service of organisation.services) {
          await manager.insert(CommunityService, {
            id: service.id,
            organisationId: organisation.id,
            name: service.name,
            description: service.description ?? null,
            status: service.status ?? 'active',
            needs: service.needs,
          });
          if (service.locationIds.length > 0) {
            await manager.insert(
              ServiceAtLocation,
              service.locationIds.map((locationId) => ({ serviceId: service.id, locationId })),
            );
          }
          summary.services += 1;
        }
        summary.organisations += 1;
      }
      return summary;
    });
  }

  async setAcceptingReferrals(organisationId: string, accepting: boolean): Promise<boolean> {
    const result = await this.dataSource.getRepository(Organisation).update({ id: organisationId }, { acceptingReferrals: accepting });
    return (result.affected ?? 0) > 0;
  }

  async organisations(): Promise<Array<Organisation & { services: Array<CommunityService & { locations: Location[] }> }>> {
    const organisations = await this.dataSource.getRepository(Organisation).find({ order: { name: 'ASC' } });
    const services = await this.dataSource.getRepository(CommunityService).find();
    const locations = await this.dataSource.getRepository(Location).find();
    const links = await this.dataSource.getRepository(ServiceAtLocation).find();
    return organisations.map((organisation) => ({
      ...organisation,
      services: services
        .filter((service) => service.organisationId === organisation.id)
        .map((service) => ({
          ...service,
          locations: locations.filter((location) => links.some((link) => link.serviceId === service.id && link.locationId === location.id)),
        })),
    }));
  }

  /**
   * Organisations accepting referrals with an active service meeting any of the given needs, anywhere, with
   * the needs each meets and the postcode districts where it offers them: what a link worker can hand off to.
   */
  async organisationsMeeting(needs: string[]): Promise<Array<{ id: string; name: string; needs: string[]; districts: string[] }>> {
    const rows: Array<{ id: string; name: string; needs: string[]; districts: string[] | null }> = await this.dataSource.query(
      `SELECT o."id", o."name",
              array_agg(DISTINCT need ORDER BY need) AS "needs",
              array_agg(DISTINCT l."postcode_district" ORDER BY l."postcode_district") FILTER (WHERE l."postcode_district" IS NOT NULL) AS "districts"
       FROM ${S}."organisation" o
       JOIN ${S}."service" s ON s."organisation_id" = o."id" AND s."status" = 'active'
       CROSS JOIN LATERAL unnest(s."needs") AS need
       LEFT JOIN ${S}."service_at_location" sal ON sal."service_id" = s."id"
       LEFT JOIN ${S}."location" l ON l."id" = sal."location_id"
       WHERE o."accepting_referrals" AND need = ANY($1)
       GROUP BY o."id", o."name"
       ORDER BY o."name"`,
      [needs],
    );
    return rows.map((row) => ({ id: row.id, name: row.name, needs: row.needs, districts: row.districts ?? [] }));
  }

  linkWorkers(): Promise<LinkWorker[]> {
    return this.dataSource.getRepository(LinkWorker).find({ order: { name: 'ASC' } });
  }

  practices(): Promise<Practice[]> {
    return this.dataSource.getRepository(Practice).find({ order: { odsCode: 'ASC' } });
  }

  pcns(): Promise<Pcn[]> {
    return this.dataSource.getRepository(Pcn).find({ order: { odsCode: 'ASC' } });
  }

  taxonomy(): Promise<TaxonomyTerm[]> {
    return this.dataSource.getRepository(TaxonomyTerm).find({ order: { code: 'ASC' } });
  }

  /** Looks up one recipient's contact details, within the caller's transaction when given. */
  async recipient(
    kind: 'link-worker' | 'organisation',
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<RecipientContact | null> {
    return kind === 'link-worker' ? manager.findOneBy(LinkWorker, { id }) : manager.findOneBy(Organisation, { id });
  }

  /** Several recipients' contact details in one statement, inside the caller's transaction; the ones not in the directory are left out. */
  async recipients(manager: EntityManager, wanted: Array<{ recipientType: 'link-worker' | 'organisation'; recipientId: string }>): Promise<DirectoryContact[]> {
    const idsOf = (type: string) => [...new Set(wanted.filter((item) => item.recipientType === type).map((item) => item.recipientId))];
    return preparedQuery(
      manager,
      `${NOTIFIER_SCHEMA}_recipients`,
      `SELECT 'link-worker' AS "recipientType", "id", "name", "email", "mobile", "channels" FROM ${S}."link_worker" WHERE "id" = ANY($1::uuid[])
       UNION ALL
       SELECT 'organisation' AS "recipientType", "id", "name", "email", "mobile", "channels" FROM ${S}."organisation" WHERE "id" = ANY($2::uuid[])`,
      [idsOf('link-worker'), idsOf('organisation')],
    );
  }

  /**
   * The slice of the directory routing needs, inside the caller's transaction, in one statement: the practice,
   * its PCN, the link workers covering the practice or leading the PCN, and the organisations meeting any of
   * the needs (or named by the GP) with where they meet them; and how each of those people is reached, so
   * that the offers routing makes need no second read for their notifications.
   */
  async routingDirectory(
    manager: EntityManager,
    referral: { practiceOdsCode: string; needs: string[]; preferredOrganisationId?: string },
  ): Promise<RoutingDirectory & { practiceName?: string; contacts: DirectoryContact[] }> {
    const [row] = await preparedQuery<{
      practice: { odsCode: string; name: string; pcnOdsCode: string; postcode: string | null } | null;
      pcn: { odsCode: string; leadLinkWorkerId: string | null } | null;
      linkWorkers: Array<RoutingDirectory['linkWorkers'][number] & RecipientContact>;
      offers: Array<RecipientContact & { acceptingReferrals: boolean; need: string | null; district: string | null }>;
    }>(
      manager,
      `${NOTIFIER_SCHEMA}_routing_directory`,
      `WITH "practice" AS (
         SELECT "ods_code" AS "odsCode", "name", "pcn_ods_code" AS "pcnOdsCode", "postcode" FROM ${S}."practice" WHERE "ods_code" = $1
       ), "pcn" AS (
         SELECT p."ods_code" AS "odsCode", p."lead_link_worker_id" AS "leadLinkWorkerId" FROM ${S}."pcn" p JOIN "practice" ON p."ods_code" = "practice"."pcnOdsCode"
       )
       SELECT (SELECT row_to_json("practice") FROM "practice") AS "practice",
              (SELECT row_to_json("pcn") FROM "pcn") AS "pcn",
              (SELECT coalesce(json_agg(json_build_object('id', w."id", 'active', w."active", 'practiceOdsCodes', w."practice_ods_codes", 'routingRules', w."routing_rules",
                                                   'name', w."name", 'email', w."email", 'mobile', w."mobile", 'channels', w."channels")), '[]')
                 FROM ${S}."link_worker" w
                WHERE $1 = ANY(w."practice_ods_codes") OR w."id" = (SELECT "leadLinkWorkerId" FROM "pcn")) AS "linkWorkers",
              (SELECT coalesce(json_agg(json_build_object('id', o."id", 'name', o."name", 'acceptingReferrals', o."accepting_referrals", 'need', need, 'district', l."postcode_district",
                                                   'email', o."email", 'mobile', o."mobile", 'channels', o."channels")), '[]')
                 FROM ${S}."organisation" o
                 LEFT JOIN ${S}."service" s ON s."organisation_id" = o."id" AND s."status" = 'active'
                 LEFT JOIN ${S}."service_at_location" sal ON sal."service_id" = s."id"
                 LEFT JOIN ${S}."location" l ON l."id" = sal."location_id"
                 LEFT JOIN LATERAL unnest(s."needs") AS need ON true
                WHERE need = ANY($2::text[]) OR o."id"::text = $3) AS "offers"`,
      [referral.practiceOdsCode, referral.needs, referral.preferredOrganisationId ?? ''],
    );
    const contact = (recipientType: DirectoryContact['recipientType'], { id, name, email, mobile, channels }: RecipientContact): DirectoryContact => ({ recipientType, id, name, email, mobile, channels });
    const contacts = new Map(row.linkWorkers.map((worker) => [`link-worker:${worker.id}`, contact('link-worker', worker)]));
    const organisations = new Map<string, RoutingDirectory['organisations'][number]>();
    for (const offer of row.offers) {
      contacts.set(`organisation:${offer.id}`, contact('organisation', offer));
      const organisation = organisations.get(offer.id) ?? { id: offer.id, name: offer.name, acceptingReferrals: offer.acceptingReferrals, offers: [] };
      if (offer.need && offer.district) organisation.offers.push({ need: offer.need, district: offer.district });
      organisations.set(offer.id, organisation);
    }
    const { practice, pcn } = row;
    return {
      practice: practice ? { odsCode: practice.odsCode, pcnOdsCode: practice.pcnOdsCode, postcode: practice.postcode } : undefined,
      practiceName: practice?.name,
      pcn: pcn ?? undefined,
      linkWorkers: row.linkWorkers.map(({ id, active, practiceOdsCodes, routingRules }) => ({ id, active, practiceOdsCodes, routingRules })),
      organisations: [...organisations.values()],
      contacts: [...contacts.values()],
    };
  }

  /**
   * The people an address may sign in to the workspace as: an active link worker with that email, and
   * each organisation whose email or referral contacts include it (case-insensitive).
   */
  async peopleByEmail(email: string): Promise<Array<{ kind: 'link-worker' | 'organisation'; id: string; name: string }>> {
    const address = email.trim().toLowerCase();
    if (!address) return [];
    return this.dataSource.query(
      `SELECT 'link-worker' AS "kind", "id", "name" FROM ${S}."link_worker" WHERE lower("email") = $1 AND "active"
       UNION ALL
       SELECT 'organisation' AS "kind", "id", "name" FROM ${S}."organisation" WHERE lower("email") = $1 OR "referral_contacts" @> ARRAY[$1]::text[]`,
      [address],
    );
  }
}
