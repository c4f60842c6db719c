import { Body, Controller, Headers, Logger, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { ProblemException, problem, verifyWebhook, webhookKey } from '@app/shared';
import { RequestWithRawBody } from '@app/shared';
import { Secrets } from '../privacy/secrets';
import { RecordingService } from './recording.service';
import { RecordingStore } from './recording.store';

function unauthorised(detail: string): ProblemException {
  return new ProblemException(problem(401, detail), { 'WWW-Authenticate': 'StandardWebhooks' });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The OpenAPI security scheme of organisations' signed outcome webhooks (declared in /docs). */
export const ORGANISATION_WEBHOOK_SCHEME = 'organisationWebhookSignature';

/**
 * Organisations' own systems send outcomes as Standard Webhooks messages signed with their secret:
 * `{"referralId", "type": "contacted" | "session-attended" | "did-not-attend" | "completed" | "closed" | "measure", ...}`.
 * A retry carries the same webhook-id and gets the first answer again, without recording twice.
 */
@ApiTags('recording')
@ApiSecurity(ORGANISATION_WEBHOOK_SCHEME)
@Controller('v1/webhooks/organisations/:organisationId')
export class WebhookController {
  private readonly logger = new Logger(WebhookController.name);

  constructor(
    private readonly secrets: Secrets,
    private readonly recording: RecordingService,
    private readonly store: RecordingStore,
  ) {}

  @ApiOperation({ summary: "Record an outcome from the organisation's own system, as a signed Standard Webhooks message" })
  @Post('outcomes')
  async receive(
    @Param('organisationId', new ParseUUIDPipe()) organisationId: string,
    @Req() request: RequestWithRawBody,
    @Headers() headers: Record<string, string | undefined>,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const webhookId = await this.verify(organisationId, request.rawBody, headers);
    const recorder = { kind: 'organisation' as const, id: organisationId };
    const message = (body ?? {}) as Record<string, unknown>;
    const referralId = typeof message.referralId === 'string' && UUID.test(message.referralId) ? message.referralId : null;
    if (!referralId) {
      throw new ProblemException(problem(400, 'The request is invalid; nothing was recorded.', { errors: [{ pointer: '/referralId', detail: 'referralId must be a referral UUID' }] }));
    }
    const { referralId: _referralId, ...fields } = message;
    const answer = await this.recording.recordWebhook(recorder, webhookId, referralId, fields);
    reply.status(answer.status);
    return answer.response;
  }

  private async verify(organisationId: string, rawBody: Buffer | undefined, headers: Record<string, string | undefined>): Promise<string> {
    const signed = {
      'webhook-id': headers['webhook-id'] ?? '',
      'webhook-timestamp': headers['webhook-timestamp'] ?? '',
      'webhook-signature': headers['webhook-signature'] ?? '',
    };
    if (!signed['webhook-id'] || !signed['webhook-timestamp'] || !signed['webhook-signature']) {
      throw unauthorised('webhook-id, webhook-timestamp and webhook-signature headers are required (Standard Webhooks)');
    }
    if (!rawBody) throw new ProblemException(problem(415, 'Content-Type must be application/json'));
    const secrets = await this.store.webhookSecretsOf(this.secrets, organisationId);
    const verdict = secrets.length === 0 ? undefined : verifyWebhook(secrets.map(webhookKey), rawBody, signed);
    if (verdict?.ok) return signed['webhook-id'];
    if (verdict?.reason === 'stale-timestamp') throw unauthorised('webhook-timestamp is more than 5 minutes from our clock: sign each retry afresh');
    this.logger.warn(`Rejected an unsigned or wrongly signed webhook for organisation ${organisationId}`);
    throw unauthorised('unknown organisation or bad signature');
  }
}
