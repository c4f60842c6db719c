import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CredentialGuard, ProblemException, isCalendarDateTime, problem, sameSecret } from '@app/shared';
import { NotifierEnvironment } from '../environment';
import { NOTIFY_CHANNELS, NotifyCallback, ReceiptsService } from './receipts.service';

/** The OpenAPI security scheme GOV.UK Notify's callbacks use (declared in /docs). */
export const NOTIFY_CALLBACK_SCHEME = 'notifyCallbackToken';

/** Notify presents the bearer token set as NOTIFY_CALLBACK_TOKEN in its callback settings. */
const NotifyCallbackGuard = CredentialGuard({
  credential: 'bearer',
  inject: NotifierEnvironment,
  verify: (env: NotifierEnvironment, token) => sameSecret(token, env.NOTIFY_CALLBACK_TOKEN),
  refusal: 'A valid bearer token is required.',
});

/** GOV.UK Notify's delivery-status callbacks, authenticated by the bearer token configured in Notify. */
@ApiTags('notify-callbacks')
@ApiBearerAuth(NOTIFY_CALLBACK_SCHEME)
@Controller('v1/notify')
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  @ApiOperation({ summary: 'GOV.UK Notify delivery receipts', description: 'Notify calls this with the bearer token set as NOTIFY_CALLBACK_TOKEN in its callback settings.' })
  @Post('callbacks')
  @HttpCode(204)
  @UseGuards(NotifyCallbackGuard)
  async callback(@Body() body: NotifyCallback): Promise<void> {
    const errors = [
      ...(typeof body?.id === 'string' && body.id.length <= 255 ? [] : [{ pointer: '/id', detail: 'id is required: the Notify notification id' }]),
      ...(typeof body?.status === 'string' ? [] : [{ pointer: '/status', detail: 'status is required' }]),
      ...(body?.reference === undefined || body.reference === null || typeof body.reference === 'string' ? [] : [{ pointer: '/reference', detail: 'reference must be text or null' }]),
      ...(body?.completed_at === undefined || body.completed_at === null || isCalendarDateTime(body.completed_at)
        ? []
        : [{ pointer: '/completed_at', detail: 'completed_at must be a date-time with an offset, e.g. 2026-11-24T09:30:00.000Z' }]),
      ...(body?.notification_type === undefined || NOTIFY_CHANNELS.includes(body.notification_type as never)
        ? []
        : [{ pointer: '/notification_type', detail: `notification_type must be ${NOTIFY_CHANNELS.join(' or ')}` }]),
    ];
    if (errors.length) throw new ProblemException(problem(400, 'Not a Notify delivery receipt', { errors }));
    await this.receipts.record(body);
  }
}
