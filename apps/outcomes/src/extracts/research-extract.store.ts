import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Commissioner, scopeCondition } from '../commissioners/commissioner';
import { SubjectColumns } from '../commissioners/commissioner-lens';
import { OUTCOMES_SCHEMA } from '../environment';
import { ReportPeriod } from '../reports/period';

const S = `"${OUTCOMES_SCHEMA}"`;

export interface ReferralRow extends SubjectColumns {
  received_month: string;
  status: string | null;
  decline_reason: string | null;
  close_reason: string | null;
  days_to_routed: string | null;
  days_to_accepted: string | null;
  days_to_first_contact: string | null;
  days_to_first_session: string | null;
  days_to_completed: string | null;
  days_to_closed: string | null;
  sessions_attended: number;
  sessions_missed: number;
}

export interface MeasureRow {
  referral_id: string;
  measure: string;
  timepoint: string;
  score: Record<string, number>;
}

/**
 * Whole days between UTC dates, not fractions of instants: a duration to the tenth of a day is unique
 * enough to join two commissioners' extracts on.
 */
const days = (column: string) =>
  `((r."${column}" AT TIME ZONE 'UTC')::date - (r."received_at" AT TIME ZONE 'UTC')::date)::text AS "days_to_${column.replace(/_at$/, '')}"`;

/** The research extract's reads over the projection. */
@Injectable()
export class ResearchExtractStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Received referrals in the commissioner's area (and period), after `after` in referral id order. */
  async referrals(commissioner: Commissioner, period: ReportPeriod | null, after: string, limit: number): Promise<ReferralRow[]> {
    const scope = scopeCondition(commissioner, 'r', 1);
    const params: unknown[] = [...scope.params, after];
    let periodSql = '';
    if (period) {
      params.push(period.from, period.to);
      periodSql = `AND r."received_at" >= $${params.length - 1} AND r."received_at" < $${params.length}`;
    }
    return this.dataSource.query(
      `SELECT r."referral_id", i."nhs_number_sealed", r."age_band", r."sex", r."postcode_district", r."practice_ods_code", r."pcn_ods_code", r."sub_icb_code", r."icb_code",
              r."needs", r."urgency", to_char(r."received_at" AT TIME ZONE 'UTC', 'YYYY-MM') AS "received_month", r."status", r."decline_reason", r."close_reason",
              ${days('routed_at')}, ${days('accepted_at')}, ${days('first_contact_at')}, ${days('first_session_at')}, ${days('completed_at')}, ${days('closed_at')},
              r."sessions_attended", r."sessions_missed"
       FROM ${S}."referral" r LEFT JOIN ${S}."referral_identity" i USING ("referral_id")
       WHERE ${scope.sql} AND r."received_at" IS NOT NULL AND r."referral_id" > $2 ${periodSql}
       ORDER BY r."referral_id" LIMIT ${Number(limit)}`,
      params,
    );
  }

  /** First start and last end score of each measure, per referral. */
  async measures(referralIds: string[]): Promise<MeasureRow[]> {
    return this.dataSource.query(
      `SELECT DISTINCT ON ("referral_id", "measure", "timepoint") "referral_id", "measure", "timepoint", "score" FROM ${S}."measure"
       WHERE "referral_id" = ANY($1::uuid[])
       ORDER BY "referral_id", "measure", "timepoint", CASE WHEN "timepoint" = 'start' THEN extract(epoch FROM "recorded_at") ELSE -extract(epoch FROM "recorded_at") END`,
      [referralIds],
    );
  }
}
