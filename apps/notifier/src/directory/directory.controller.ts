import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Put, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ProblemException, problem } from '@app/shared';
import { ADMIN_API_KEY_SCHEME, AdminApiKeyGuard } from './admin-api-key.guard';
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
@ApiTags('directory')
@ApiSecurity(ADMIN_API_KEY_SCHEME)
@Controller('v1/directory')
@UseGuards(AdminApiKeyGuard)
export class DirectoryController {
  constructor(private readonly store: DirectoryStore) {}

  @ApiOperation({ summary: 'Import organisations, services, link workers, practices and PCNs', description: 'Open Referral UK shaped JSON (application/json), or organisations as CSV (text/csv). Upserts by id.' })
  @Post('import')
  @HttpCode(200)
  async import(@Headers('content-type') contentType: string | undefined, @Body() body: unknown) {
    const document = validateOrProblem(parseImport(contentType, body));
    try {
      return { imported: await this.store.import(document) };
    } catch (error) {
      if (error instanceof DirectoryValidationError) {
        throw new ProblemException(problem(422, 'The directory points at things that do not exist; nothing was imported.', { errors: error.problems }));
      }
      throw error;
    }
  }

  @ApiOperation({ summary: 'Organisations with their services and locations' })
  @Get('organisations')
  organisations() {
    return this.store.organisations();
  }

  @ApiOperation({ summary: 'Open or close an organisation to new referrals', description: 'Body: {"acceptingReferrals": true|false}.' })
  @Put('organisations/:id/accepting-referrals')
  async setAccepting(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: { acceptingReferrals?: unknown }) {
    if (typeof body?.acceptingReferrals !== 'boolean') {
      throw new ProblemException(problem(422, 'acceptingReferrals must be true or false', { errors: [{ pointer: '/acceptingReferrals', detail: 'must be a boolean' }] }));
    }
    if (!(await this.store.setAcceptingReferrals(id, body.acceptingReferrals))) throw new ProblemException(problem(404, `Organisation ${id} not found`));
    return { id, acceptingReferrals: body.acceptingReferrals };
  }

  @ApiOperation({ summary: 'Link workers and the practices and PCNs they cover' })
  @Get('link-workers')
  linkWorkers() {
    return this.store.linkWorkers();
  }

  @ApiOperation({ summary: 'GP practices and their PCNs' })
  @Get('practices')
  practices() {
    return this.store.practices();
  }

  @ApiOperation({ summary: 'Primary care networks' })
  @Get('pcns')
  pcns() {
    return this.store.pcns();
  }

  @ApiOperation({ summary: 'The need taxonomy services are tagged with' })
  @Get('taxonomy')
  taxonomy() {
    return this.store.taxonomy();
  }
}
