import { Controller, Get, Headers, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import { ProblemException, SAFE_CSV_CAST, problem } from '@app/shared';
import { AccessAudit } from '../audit/access-audit';
import { Commissioner } from '../commissioners/commissioner';
import { COMMISSIONER_KEY_SCHEME, CommissionerGuard, CurrentCommissioner } from '../commissioners/commissioner.guard';
import { negotiate } from '../http/negotiate';
import { QueryProblems } from '../http/query-problems';
import { MEDIA, notAcceptableDetail } from '../http/streaming';
import { parsePeriod } from './period';
import { SummaryService, summaryCells } from './summary.service';

const SUMMARY_MEDIA = [MEDIA.json, MEDIA.csv] as const;

@ApiTags('reports')
@ApiBearerAuth(COMMISSIONER_KEY_SCHEME)
@Controller('v1/reports')
@UseGuards(CommissionerGuard)
export class ReportsController {
  constructor(
    private readonly summaries: SummaryService,
    private readonly audit: AccessAudit,
  ) {}

  /** GET /v1/reports/summary?period=2026-11 (or 2026-Q4, 2026): suppressed counts for the commissioner's area. */
  @ApiOperation({ summary: 'Referrals by status, need, practice and organisation; the funnel; wellbeing change; small numbers suppressed' })
  @ApiQuery({ name: 'period', required: true, example: '2026-11', description: 'A month (2026-11), quarter (2026-Q4) or year (2026).' })
  @ApiProduces('application/json', 'text/csv')
  @Get('summary')
  async summary(
    @CurrentCommissioner() commissioner: Commissioner,
    @Query('period') periodParameter: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const media = negotiate(accept, SUMMARY_MEDIA);
    if (!media) throw new ProblemException(problem(406, notAcceptableDetail(SUMMARY_MEDIA)));
    const problems = new QueryProblems();
    const period = parsePeriod(periodParameter, problems);
    problems.throwIfAny();
    const report = await this.summaries.summary(commissioner, period!);
    const cells = summaryCells(report);
    await this.audit.record({
      principal: { kind: commissioner.kind, id: commissioner.id },
      resource: 'report.summary',
      filters: { period: period!.label },
      rowsReturned: cells.length,
      completed: true,
    });
    reply.header('cache-control', 'no-store').header('vary', 'Accept, Authorization');
    if (media === MEDIA.csv) {
      reply.header('content-type', 'text/csv; charset=utf-8');
      return stringify(cells, { header: true, columns: ['section', 'category', 'statistic', 'value'], cast: SAFE_CSV_CAST });
    }
    reply.header('content-type', MEDIA.json);
    return report;
  }
}
