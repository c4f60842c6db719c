import { Injectable } from '@nestjs/common';
import { Commissioner } from '../commissioners/commissioner';
import { CommissionerLens, pseudonymisedSubject } from '../commissioners/commissioner-lens';
import { Secrets } from '../privacy/secrets';
import { ReportPeriod } from '../reports/period';
import { ReferralRow, ResearchExtractStore } from './research-extract.store';

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

/** One pseudonymised row per referral in the recipient's area, with pre/post measures and lifecycle timings. */
@Injectable()
export class ResearchExtractService {
  constructor(
    private readonly store: ResearchExtractStore,
    private readonly secrets: Secrets,
  ) {}

  lensFor(commissioner: Commissioner): CommissionerLens {
    return new CommissionerLens(this.secrets, commissioner);
  }

  /** Rows batch by batch: each batch is serialised and written as one chunk. */
  async *rows(lens: CommissionerLens, period: ReportPeriod | null): AsyncGenerator<ResearchRow[]> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.store.referrals(lens.commissioner, period, after, BATCH);
      if (batch.length === 0) return;
      const measures = await this.measuresOf(batch.map((row) => row.referral_id));
      // Each commissioner gets a batch in the order of their own references: rows in one shared order
      // could be lined up across two commissioners' extracts without any column.
      const shaped = batch.map((row) => this.shape(lens, row, measures.get(row.referral_id) ?? {}));
      shaped.sort((a, b) => (String(a.referralRef) < String(b.referralRef) ? -1 : 1));
      yield shaped;
      if (batch.length < BATCH) return;
      after = batch[batch.length - 1].referral_id;
    }
  }

  /** First start and last end score of each measure, per referral, as extract columns. */
  private async measuresOf(referralIds: string[]): Promise<Map<string, Record<string, number>>> {
    const rows = await this.store.measures(referralIds);
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
