import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ProblemException, ServiceDeadLetters, problem } from '@app/shared';
import { ADMIN_API_KEY_SCHEME, AdminApiKeyGuard } from '../directory/admin-api-key.guard';
import { NotificationsService } from './notifications.service';

/** The same dead letters as `npm run dead-letters -- list notifier --kind deliveries`, over HTTP. */
@ApiTags('notifications')
@ApiSecurity(ADMIN_API_KEY_SCHEME)
@Controller('v1/admin')
@UseGuards(AdminApiKeyGuard)
export class DeadLettersController {
  constructor(
    private readonly deadLetters: ServiceDeadLetters,
    private readonly notifications: NotificationsService,
  ) {}

  @ApiOperation({ summary: "A referral's notifications, each with every delivery attempt" })
  @Get('referrals/:referralId/notifications')
  forReferral(@Param('referralId', new ParseUUIDPipe()) referralId: string) {
    return this.notifications.forReferral(referralId);
  }

  @ApiOperation({ summary: 'Notifications that failed every attempt (dead letters)' })
  @Get('notifications/dead-letters')
  list() {
    return this.deadLetters.list(['deliveries']);
  }

  @ApiOperation({ summary: 'Send a dead-lettered notification again (a fresh round of attempts)' })
  @Post('notifications/dead-letters/:id/replay')
  @HttpCode(202)
  async replay(@Param('id', new ParseUUIDPipe()) id: string) {
    if (!(await this.deadLetters.replay(id, ['deliveries']))) throw new ProblemException(problem(404, `No failed notification ${id}`));
    return { id, status: 'pending' };
  }
}
