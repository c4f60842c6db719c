import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { ProblemException, problem } from '@app/shared';
import { NotifierEnvironment } from '../environment';
import { NotifyCallback, ReceiptsService } from './receipts.service';

/** GOV.UK Notify's delivery-status callbacks, authenticated by the bearer token configured in Notify. */
@Controller('v1/notify')
export class ReceiptsController {
  private readonly token: Buffer;

  constructor(
    env: NotifierEnvironment,
    private readonly receipts: ReceiptsService,
  ) {
    this.token = Buffer.from(`Bearer ${env.NOTIFY_CALLBACK_TOKEN}`);
  }

  @Post('callbacks')
  @HttpCode(204)
  async callback(@Headers('authorization') authorization: string | undefined, @Body() body: NotifyCallback): Promise<void> {
    const given = Buffer.from(authorization ?? '');
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      throw new ProblemException(problem(401, 'A valid bearer token is required.'), { 'WWW-Authenticate': 'Bearer' });
    }
    const errors = [
      ...(typeof body?.id === 'string' ? [] : [{ pointer: '/id', detail: 'id is required' }]),
      ...(typeof body?.status === 'string' ? [] : [{ pointer: '/status', detail: 'status is required' }]),
    ];
    if (errors.length) throw new ProblemException(problem(400, 'Not a Notify delivery receipt', { errors }));
    await this.receipts.record(body);
  }
}
