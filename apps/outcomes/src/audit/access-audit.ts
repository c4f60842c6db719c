import { Global, Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { currentCorrelation } from '@app/shared';
import { OUTCOMES_SCHEMA } from '../environment';

const S = `"${OUTCOMES_SCHEMA}"`;

export type AuditedResource = 'feed.outcomes' | 'report.summary' | 'extract.research' | 'extract.dictionary' | 'referral.outcomes';

export interface AccessRecord {
  principal: { kind: 'commissioner' | 'evaluator' | 'organisation' | 'link-worker'; id: string };
  resource: AuditedResource;
  filters: Record<string, unknown>;
  rowsReturned: number;
  /** False when the client went away before the whole answer was sent. */
  completed: boolean;
}

/** Who looked at what, with which filters, and how many rows left: one row per access, kept in Postgres (the audit module's store). */
@Injectable()
export class AccessAudit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(access: AccessRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${S}."access_audit" ("principal_kind", "principal_id", "resource", "filters", "rows_returned", "completed", "correlation_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [access.principal.kind, access.principal.id, access.resource, JSON.stringify(access.filters), access.rowsReturned, access.completed, currentCorrelation()?.correlationId ?? null],
    );
  }
}

@Global()
@Module({ providers: [AccessAudit], exports: [AccessAudit] })
export class AuditModule {}
