import { EntityManager } from 'typeorm';
import { RoutingDirectory } from '../routing/routing';
import { LinkWorker, Pcn, Practice } from './directory.entities';

/** Reads the slice of the directory routing needs, inside the caller's transaction. */
export async function loadRoutingDirectory(
  manager: EntityManager,
  referral: { practiceOdsCode: string; needs: string[]; preferredOrganisationId?: string },
): Promise<RoutingDirectory & { practiceName?: string }> {
  const practice = await manager.findOneBy(Practice, { odsCode: referral.practiceOdsCode });
  const pcn = practice ? await manager.findOneBy(Pcn, { odsCode: practice.pcnOdsCode }) : null;
  const linkWorkers = await manager
    .createQueryBuilder(LinkWorker, 'worker')
    .where(':practice = ANY(worker.practice_ods_codes)', { practice: referral.practiceOdsCode })
    .orWhere('worker.id = :lead', { lead: pcn?.leadLinkWorkerId ?? '00000000-0000-0000-0000-000000000000' })
    .getMany();
  const offers: Array<{ id: string; name: string; accepting_referrals: boolean; need: string | null; district: string | null }> = await manager.query(
    `SELECT o."id", o."name", o."accepting_referrals", need, l."postcode_district" AS "district"
     FROM "notifier"."organisation" o
     LEFT JOIN "notifier"."service" s ON s."organisation_id" = o."id" AND s."status" = 'active'
     LEFT JOIN "notifier"."service_at_location" sal ON sal."service_id" = s."id"
     LEFT JOIN "notifier"."location" l ON l."id" = sal."location_id"
     LEFT JOIN LATERAL unnest(s."needs") AS need ON true
     WHERE need = ANY($1) OR o."id"::text = $2`,
    [referral.needs, referral.preferredOrganisationId ?? ''],
  );
  const organisations = new Map<string, RoutingDirectory['organisations'][number]>();
  for (const row of offers) {
    const organisation = organisations.get(row.id) ?? { id: row.id, name: row.name, acceptingReferrals: row.accepting_referrals, offers: [] };
    if (row.need && row.district) organisation.offers.push({ need: row.need, district: row.district });
    organisations.set(row.id, organisation);
  }
  return {
    practice: practice ? { odsCode: practice.odsCode, pcnOdsCode: practice.pcnOdsCode, postcode: practice.postcode } : undefined,
    practiceName: practice?.name,
    pcn: pcn ? { odsCode: pcn.odsCode, leadLinkWorkerId: pcn.leadLinkWorkerId } : undefined,
    linkWorkers: linkWorkers.map((worker) => ({ id: worker.id, active: worker.active, practiceOdsCodes: worker.practiceOdsCodes, routingRules: worker.routingRules })),
    organisations: [...organisations.values()],
  };
}

