import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Commissioner, scopeCondition } from '../commissioners/commissioner';
import { CommissionerLens, SubjectColumns, pseudonymisedSubject } from '../commissioners/commissioner-lens';
import { Secrets } from '../privacy/secrets';
import { ReportPeriod } from '../reports/period';

export type ResearchRow = Record<string, string | number | string[] | null>;

const BATCH = 500;

const MEASURE_FIELDS: Array<[string, string, string]> = [
  ['ONS4', 'lifeSatisfaction', 'ons4LifeSatisfaction'],
  ['ONS4', 'worthwhile', 'ons4Worthwhile'],
  ['ONS4', 'happiness', 'ons4Happiness'],
  ['ONS4', 'anxiety', 'ons4Anxiety'],
  ['SWEMWBS', 'raw', 'swemwbsRaw'],
  ['SWEMWBS', 'metric', 'swemwbsMetric'],
  ['UCLA3', 'total', 'ucla3Total'],
];

interface ReferralRow extends SubjectColumns {
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

/**
 * Whole days between UTC dates, not fractions of instants: a duration to the tenth of a day is unique
 * enough to join two commissioners' extracts on.
 */
const days = (column: string) =>
  `((r."${column}" AT TIME ZONE 'UTC')::date - (r."received_at" AT TIME ZONE 'UTC')::date)::text AS "days_to_${column.replace(/_at$/, '')}"`;

/** One pseudonymised row per referral in the recipient's area, with pre/post measures and lifecycle timings. */
@Injectable()
export class ResearchExtractService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: Secrets,
  ) {}

  lensFor(commissioner: Commissioner): CommissionerLens {
    return new CommissionerLens(this.secrets, commissioner);
  }

  async *rows(lens: CommissionerLens, period: ReportPeriod | null): AsyncGenerator<ResearchRow> {
    const scope = scopeCondition(lens.commissioner, 'r', 1);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const params: unknown[] = [...scope.params, after];
      let periodSql = '';
      if (period) {
        params.push(period.from, period.to);
        periodSql = `AND r."received_at" >= $${params.length - 1} AND r."received_at" < $${params.length}`;
      }
      const batch: ReferralRow[] = await this.dataSource.query(
        `SELECT r."referral_id", i."nhs_number_sealed", r."age_band", r."sex", r."postcode_district", r."practice_ods_code", r."pcn_ods_code", r."sub_icb_code", r."icb_code",
                r."needs", r."urgency", to_char(r."received_at" AT TIME ZONE 'UTC', 'YYYY-MM') AS "received_month", r."status", r."decline_reason", r."close_reason",
                ${days('routed_at')}, ${days('accepted_at')}, ${days('first_contact_at')}, ${days('first_session_at')}, ${days('completed_at')}, ${days('closed_at')},
                r."sessions_attended", r."sessions_missed"
         FROM "outcomes"."referral" r LEFT JOIN "outcomes"."referral_identity" i USING ("referral_id")
         WHERE ${scope.sql} AND r."received_at" IS NOT NULL AND r."referral_id" > $2 ${periodSql}
         ORDER BY r."referral_id" LIMIT ${BATCH}`,
        params,
      );
      if (batch.length === 0) return;
      const measures = await this.measuresOf(batch.map((row) => row.referral_id));
      // Each commissioner gets a batch in the order of their own references: rows in one shared order
      // could be lined up across two commissioners' extracts without any column.
      const shaped = batch.map((row) => this.shape(lens, row, measures.get(row.referral_id) ?? {}));
      shaped.sort((a, b) => (String(a.referralRef) < String(b.referralRef) ? -1 : 1));
      for (const row of shaped) yield row;
      if (batch.length < BATCH) return;
      after = batch[batch.length - 1].referral_id;
    }
  }

  /** First start and last end score of each measure, per referral. */
  private async measuresOf(referralIds: string[]): Promise<Map<string, Record<string, number>>> {
    const rows: Array<{ referral_id: string; measure: string; timepoint: string; score: Record<string, number> }> = await this.dataSource.query(
      `SELECT DISTINCT ON ("referral_id", "measure", "timepoint") "referral_id", "measure", "timepoint", "score" FROM "outcomes"."measure"
       WHERE "referral_id" = ANY($1::uuid[])
       ORDER BY "referral_id", "measure", "timepoint", CASE WHEN "timepoint" = 'start' THEN extract(epoch FROM "recorded_at") ELSE -extract(epoch FROM "recorded_at") END`,
      [referralIds],
    );
    const byReferral = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const values = byReferral.get(row.referral_id) ?? {};
      for (const [measure, key, column] of MEASURE_FIELDS) {
        if (measure === row.measure && row.score[key] !== undefined) values[`${column}${row.timepoint === 'start' ? 'Start' : 'End'}`] = row.score[key];
      }
      byReferral.set(row.referral_id, values);
    }
    return byReferral;
  }

  private shape(lens: CommissionerLens, row: ReferralRow, measures: Record<string, number>): ResearchRow {
    const decimal = (value: string | null) => (value === null ? null : Number(value));
    const shaped: ResearchRow = {
      ...pseudonymisedSubject(lens, row),
      receivedMonth: row.received_month,
      status: row.status,
      declineReason: row.decline_reason,
      closeReason: row.close_reason,
      daysToRouted: decimal(row.days_to_routed),
      daysToAccepted: decimal(row.days_to_accepted),
      daysToFirstContact: decimal(row.days_to_first_contact),
      daysToFirstSession: decimal(row.days_to_first_session),
      daysToCompleted: decimal(row.days_to_completed),
      daysToClosed: decimal(row.days_to_closed),
      sessionsAttended: row.sessions_attended,
      sessionsMissed: row.sessions_missed,
    };
    for (const [, , column] of MEASURE_FIELDS) {
      shaped[`${column}Start`] = measures[`${column}Start`] ?? null;
      shaped[`${column}End`] = measures[`${column}End`] ?? null;
    }
    return shaped;
  }
}
