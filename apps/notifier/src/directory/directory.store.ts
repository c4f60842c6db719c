import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { DirectoryDocument, postcodeDistrict } from './directory-document';
import { CommunityService, LinkWorker, Location, Organisation, Pcn, Practice, ServiceAtLocation, TaxonomyTerm } from './directory.entities';

export interface ImportSummary {
  taxonomy: number;
  pcns: number;
  practices: number;
  linkWorkers: number;
  organisations: number;
  services: number;
  locations: number;
}

const DEFAULT_RULES = { forwardToOrganisations: 'automatic' as const, maxOrganisations: 3, excludedNeeds: [] };

@Injectable()
export class DirectoryStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async isEmpty(): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM "notifier"."practice") + (SELECT count(*) FROM "notifier"."organisation") + (SELECT count(*) FROM "notifier"."link_worker") AS "count"`,
    );
    return Number(row.count) === 0;
  }

  /**
   * Upserts everything in the document by id, in one transaction. An organisation's services, locations
   * and their links are replaced by the document's, so removing a service from the file removes it here.
   */
  async import(document: DirectoryDocument): Promise<ImportSummary> {
    return this.dataSource.transaction(async (manager) => {
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
            routingRules: { ...DEFAULT_RULES, ...(worker.routingRules ?? {}) },
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
  ): Promise<{ id: string; name: string; email: string | null; mobile: string | null; channels: string[] } | null> {
    return kind === 'link-worker' ? manager.findOneBy(LinkWorker, { id }) : manager.findOneBy(Organisation, { id });
  }

  async linkWorkersByIds(ids: string[], manager: EntityManager = this.dataSource.manager): Promise<LinkWorker[]> {
    return ids.length ? manager.findBy(LinkWorker, { id: In(ids) }) : [];
  }
}
