import { Controller, Get, Headers, Logger, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import { ProblemException, SAFE_CSV_CAST, describeError, problem } from '@app/shared';
import { AccessAudit } from '../audit/access-audit';
import { Commissioner } from '../commissioners/commissioner';
import { COMMISSIONER_KEY_SCHEME, CommissionerGuard, CurrentCommissioner } from '../commissioners/commissioner.guard';
import { negotiate } from '../http/negotiate';
import { QueryProblems } from '../http/query-problems';
import { MEDIA, StreamTally, notAcceptableDetail, serialise } from '../http/streaming';
import { parsePeriod } from '../reports/period';
import { RESEARCH_COLUMNS, RESEARCH_DICTIONARY } from './dictionary';
import { ResearchExtractService } from './research-extract.service';

const EXTRACT_MEDIA = [MEDIA.csv, MEDIA.ndjson, MEDIA.json] as const;
const DICTIONARY_MEDIA = [MEDIA.json, MEDIA.csv] as const;

@ApiTags('extracts')
@ApiBearerAuth(COMMISSIONER_KEY_SCHEME)
@Controller('v1/extracts/research')
@UseGuards(CommissionerGuard)
export class ExtractsController {
  private readonly logger = new Logger(ExtractsController.name);

  constructor(
    private readonly extracts: ResearchExtractService,
    private readonly audit: AccessAudit,
  ) {}

  /** One row per referral in the caller's area (optionally received in ?period=), CSV by default, streamed. */
  @ApiOperation({ summary: 'Research extract: one pseudonymised row per referral, pre/post measures and lifecycle timings' })
  @ApiQuery({ name: 'period', required: true, example: '2026-Q4', description: 'A month (2026-11), quarter (2026-Q4) or year (2026).' })
  @ApiProduces('text/csv', 'application/json', 'application/x-ndjson')
  @Get()
  async research(
    @CurrentCommissioner() commissioner: Commissioner,
    @Query('period') periodParameter: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const media = negotiate(accept, EXTRACT_MEDIA);
    if (!media) throw new ProblemException(problem(406, notAcceptableDetail(EXTRACT_MEDIA)));
    const problems = new QueryProblems();
    const period = periodParameter ? parsePeriod(periodParameter, problems) : null;
    problems.throwIfAny();
    const tally: StreamTally = { rows: 0 };
    const body = serialise(this.extracts.rows(this.extracts.lensFor(commissioner), period), media, RESEARCH_COLUMNS, tally);
    let audited = false;
    const recordAccess = (completed: boolean) => {
      if (audited) return;
      audited = true;
      this.audit
        .record({ principal: { kind: commissioner.kind, id: commissioner.id }, resource: 'extract.research', filters: { period: period?.label ?? null }, rowsReturned: tally.rows, completed })
        .catch((error: Error) => this.logger.error(`Extract access could not be audited: ${describeError(error)}`));
    };
    body.on('end', () => recordAccess(true));
    body.on('close', () => recordAccess(false));
    reply
      .header('content-type', media === MEDIA.csv ? 'text/csv; charset=utf-8' : media)
      .header('content-disposition', `attachment; filename="research-extract${period ? `-${period.label}` : ''}.${media === MEDIA.csv ? 'csv' : media === MEDIA.ndjson ? 'ndjson' : 'json'}"`)
      .header('link', '</v1/extracts/research/dictionary>; rel="describedby"')
      .header('cache-control', 'no-store');
    reply.send(body);
  }

  /** What each column of the extract means. */
  @ApiOperation({ summary: "The research extract's data dictionary: every column, its type and meaning" })
  @Get('dictionary')
  async dictionary(@CurrentCommissioner() commissioner: Commissioner, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const media = negotiate(accept, DICTIONARY_MEDIA);
    if (!media) throw new ProblemException(problem(406, notAcceptableDetail(DICTIONARY_MEDIA)));
    await this.audit.record({ principal: { kind: commissioner.kind, id: commissioner.id }, resource: 'extract.dictionary', filters: {}, rowsReturned: RESEARCH_DICTIONARY.length, completed: true });
    if (media === MEDIA.csv) {
      reply.header('content-type', 'text/csv; charset=utf-8');
      return stringify(RESEARCH_DICTIONARY, { header: true, columns: ['column', 'type', 'description'], cast: SAFE_CSV_CAST });
    }
    return { columns: RESEARCH_DICTIONARY };
  }
}
