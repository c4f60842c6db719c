import { Controller, Get, Headers, Logger, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { ProblemException, problem, describeError } from '@app/shared';
import { AccessAudit } from '../audit/access-audit';
import { Commissioner } from '../commissioners/commissioner';
import { COMMISSIONER_KEY_SCHEME, CommissionerGuard, CurrentCommissioner } from '../commissioners/commissioner.guard';
import { OutcomesEnvironment } from '../environment';
import { negotiate } from '../http/negotiate';
import { StreamTally, TABULAR_MEDIA, notAcceptableDetail, serialise } from '../http/streaming';
import { FeedQuery, parseFeedQuery } from './feed-filters';
import { FEED_COLUMNS, FeedService } from './feed.service';

@ApiTags('feeds')
@ApiBearerAuth(COMMISSIONER_KEY_SCHEME)
@Controller('v1/feeds')
@UseGuards(CommissionerGuard)
export class FeedsController {
  private readonly logger = new Logger(FeedsController.name);

  constructor(
    private readonly feeds: FeedService,
    private readonly audit: AccessAudit,
    private readonly env: OutcomesEnvironment,
  ) {}

  /**
   * Pseudonymised outcome events in the commissioner's area, oldest first. The next page starts at the
   * cursor in X-Next-Cursor (also in the Link header, and in the JSON body as nextCursor).
   */
  @ApiOperation({ summary: 'Every lifecycle event in your area, pseudonymised, oldest first', description: 'The next page\'s cursor is in X-Next-Cursor and the Link header. Rows carry a pseudonym of your own, age band, sex, postcode district and practice/PCN/sub-ICB/ICB codes; never a name, NHS number, date of birth or contact detail.' })
  @ApiQuery({ name: 'since', required: false, description: 'ISO 8601 date or date-time, inclusive.' })
  @ApiQuery({ name: 'until', required: false, description: 'ISO 8601 date or date-time, exclusive.' })
  @ApiQuery({ name: 'practice', required: false, description: 'GP practice ODS code.' })
  @ApiQuery({ name: 'pcn', required: false, description: 'PCN ODS code.' })
  @ApiQuery({ name: 'organisation', required: false, description: 'Organisation id.' })
  @ApiQuery({ name: 'need', required: false, description: 'A need code.' })
  @ApiQuery({ name: 'type', required: false, description: 'An event type, e.g. referral.accepted.' })
  @ApiQuery({ name: 'limit', required: false, description: 'Rows per page.' })
  @ApiQuery({ name: 'after', required: false, description: 'The cursor from X-Next-Cursor.' })
  @ApiProduces('application/x-ndjson', 'application/json', 'text/csv')
  @Get('outcomes')
  async outcomes(
    @CurrentCommissioner() commissioner: Commissioner,
    @Query() query: FeedQuery,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const media = negotiate(accept, TABULAR_MEDIA);
    if (!media) throw new ProblemException(problem(406, notAcceptableDetail(TABULAR_MEDIA)));
    const { filters, limit, after } = parseFeedQuery(query, this.env.FEED_MAX_PAGE_SIZE);
    const lens = this.feeds.lensFor(commissioner);
    const from = this.feeds.openCursor(lens, after);
    const page = await this.feeds.page(commissioner, filters, from, limit);
    const nextCursor = lens.sealCursor(page.last ?? page.after);
    const nextUrl = new URLSearchParams({ ...(query as Record<string, string>), after: nextCursor, limit: String(limit) });
    const tally: StreamTally = { rows: 0 };
    const body = serialise(this.feeds.rows(lens, filters, page), media, FEED_COLUMNS, tally, () => ({ nextCursor, hasMore: page.hasMore }));
    let audited = false;
    const recordAccess = (completed: boolean) => {
      if (audited) return;
      audited = true;
      this.audit.record({
        principal: { kind: commissioner.kind, id: commissioner.id },
        resource: 'feed.outcomes',
        filters: { ...filters, limit, after: page.after },
        rowsReturned: tally.rows,
        completed,
      }).catch((error: Error) => this.logger.error(`Feed access could not be audited: ${describeError(error)}`));
    };
    body.on('end', () => recordAccess(true));
    body.on('close', () => recordAccess(false));
    reply
      .header('content-type', media === 'text/csv' ? 'text/csv; charset=utf-8' : media)
      .header('x-next-cursor', nextCursor)
      .header('x-has-more', String(page.hasMore))
      .header('cache-control', 'no-store')
      .header('vary', 'Accept, Authorization');
    if (page.hasMore) reply.header('link', `</v1/feeds/outcomes?${nextUrl.toString()}>; rel="next"`);
    reply.send(body);
  }
}
