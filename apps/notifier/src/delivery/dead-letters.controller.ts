import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ProblemException, problem } from '@app/shared';
import { AdminApiKeyGuard } from '../directory/admin-api-key.guard';
import { DeadLetters } from './dead-letters.service';

@Controller('v1/admin')
@UseGuards(AdminApiKeyGuard)
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetters) {}

  @Get('referrals/:referralId/notifications')
  forReferral(@Param('referralId', new ParseUUIDPipe()) referralId: string) {
    return this.deadLetters.forReferral(referralId);
  }

  @Get('notifications/dead-letters')
  list() {
    return this.deadLetters.list();
  }

  @Post('notifications/dead-letters/:id/replay')
  @HttpCode(202)
  async replay(@Param('id', new ParseUUIDPipe()) id: string) {
    if (!(await this.deadLetters.replay(id))) throw new ProblemException(problem(404, `No failed notification ${id}`));
    return { id, status: 'pending' };
  }
}
