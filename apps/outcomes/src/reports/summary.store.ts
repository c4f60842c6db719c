import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Commissioner, scopeCondition } from '../commissioners/commissioner';
import { OUTCOMES_SCHEMA } from '../environment';
import { ReportPeriod } from './period';

const S = `"${OUTCOMES_SCHEMA}"`;

/** Exact counts before suppression: the summary report suppresses and rounds them. */
export interface SummaryCounts {
  byStatus: Record<string, number>;
  byNeed: Record<string, number>;
  byPractice: Record<string, number>;
  byOrganisation: Record<string, number>;
  funnel: { received: number; accepted: number; attended: number; completed: number; median_days: number | string | null; contacted: number };
  changes: Array<{ measure: string; key: string; mean: string | null; n: number }>;
}

/** The summary's reads over the projection: referrals received in a period in a commissioner's area. */
@Injectable()
export class SummaryStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async counts(commissioner: Commissioner, period: ReportPeriod): Promise<SummaryCounts> {
    const scope = scopeCondition(commissioner, 'r', 1);
    const scoped = `SELECT * FROM ${S}."referral" r WHERE ${scope.sql} AND r."received_at" >= $2 AND r."received_at" < $3`;
    const params = [...scope.params, period.from, period.to];
    const grouped = async (expression: string): Promise<Record<string, number>> => {
      const rows: Array<{ key: string; n: number }> = await this.dataSource.query(
        `SELECT ${expression} AS "key", count(*)::int AS "n" FROM (${scoped}) r GROUP BY 1 ORDER BY 1`,
        params,
      );
      return Object.fromEntries(rows.map((row) => [row.key ?? 'unknown', row.n]));
    };
    const [byStatus, byNeed, byPractice, byOrganisation] = await Promise.all([
      grouped(`r."status"`),
      grouped(`unnest(CASE WHEN cardinality(r."needs") = 0 THEN ARRAY['unknown'] ELSE r."needs" END)`),
      grouped(`coalesce(r."practice_ods_code", 'unknown')`),
      grouped(`unnest(CASE WHEN cardinality(r."organisation_ids") = 0 THEN ARRAY['none'] ELSE r."organisation_ids" END)`),
    ]);
    const [funnel] = await this.dataSource.query(
      `SELECT count(*)::int AS "received", count(r."accepted_at")::int AS "accepted", count(r."first_session_at")::int AS "attended", count(r."completed_at")::int AS "completed",
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r."first_contact_at" - r."received_at") / 86400) AS "median_days",
              count(r."first_contact_at")::int AS "contacted"
       FROM (${scoped}) r`,
      params,
    );
    const changes: Array<{ measure: string; key: string; mean: string | null; n: number }> = await this.dataSource.query(
      `WITH scoped AS (${scoped}),
       starts AS (SELECT DISTINCT ON (m."referral_id", m."measure") m."referral_id", m."measure", m."score" FROM ${S}."measure" m
                  JOIN scoped USING ("referral_id") WHERE m."timepoint" = 'start' ORDER BY m."referral_id", m."measure", m."recorded_at" ASC),
       ends AS (SELECT DISTINCT ON (m."referral_id", m."measure") m."referral_id", m."measure", m."score" FROM ${S}."measure" m
                JOIN scoped USING ("referral_id") WHERE m."timepoint" = 'end' ORDER BY m."referral_id", m."measure", m."recorded_at" DESC)
       SELECT s."measure", k."key", avg((e."score"->>k."key")::numeric - (s."score"->>k."key")::numeric) AS "mean", count(*)::int AS "n"
       FROM starts s JOIN ends e USING ("referral_id", "measure"), jsonb_object_keys(s."score") AS k("key")
       GROUP BY 1, 2`,
      params,
    );
    return { byStatus, byNeed, byPractice, byOrganisation, funnel, changes };
  }
}
