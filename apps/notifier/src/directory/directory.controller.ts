import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Put, UseGuards } from '@nestjs/common';
import { ProblemException, problem } from '@app/shared';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { DirectoryValidationError, organisationsFromCsv, validateDirectoryDocument } from './directory-document';
import { DirectoryStore } from './directory.store';

function parseImport(contentType: string | undefined, body: unknown): unknown {
  if ((contentType ?? '').startsWith('text/csv')) {
    if (typeof body !== 'string') throw new ProblemException(problem(400, 'CSV body expected'));
    try {
      return organisationsFromCsv(body);
    } catch (error) {
      throw new ProblemException(problem(400, `Unreadable CSV: ${(error as Error).message}`));
    }
  }
  return body;
}

export function validateOrProblem(input: unknown) {
  try {
    return validateDirectoryDocument(input);
  } catch (error) {
    if (error instanceof DirectoryValidationError) {
      throw new ProblemException(problem(422, 'The directory has invalid fields; nothing was imported.', { errors: error.problems }));
    }
    throw error;
  }
}

/** The directory admin API: read it, import (upsert) JSON or CSV, open or close an organisation to referrals. */
@Controller('v1/directory')
@UseGuards(AdminApiKeyGuard)
export class DirectoryController {
  constructor(private readonly store: DirectoryStore) {}

  @Post('import')
  @HttpCode(200)
  async import(@Headers('content-type') contentType: string | undefined, @Body() body: unknown) {
    return { imported: await this.store.import(validateOrProblem(parseImport(contentType, body))) };
  }

  @Get('organisations')
  organisations() {
    return this.store.organisations();
  }

  @Put('organisations/:id/accepting-referrals')
  async setAccepting(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: { acceptingReferrals?: unknown }) {
    if (typeof body?.acceptingReferrals !== 'boolean') {
      throw new ProblemException(problem(422, 'acceptingReferrals must be true or false', { errors: [{ pointer: '/acceptingReferrals', detail: 'must be a boolean' }] }));
    }
    if (!(await this.store.setAcceptingReferrals(id, body.acceptingReferrals))) throw new ProblemException(problem(404, `Organisation ${id} not found`));
    return { id, acceptingReferrals: body.acceptingReferrals };
  }

  @Get('link-workers')
  linkWorkers() {
    return this.store.linkWorkers();
  }

  @Get('practices')
  practices() {
    return this.store.practices();
  }

  @Get('pcns')
  pcns() {
    return this.store.pcns();
  }

  @Get('taxonomy')
  taxonomy() {
    return this.store.taxonomy();
  }
}
