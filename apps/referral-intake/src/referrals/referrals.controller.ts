import { Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ProblemException, problem } from '@app/shared';
import { IntakeEnvironment } from '../environment';
import { AuthenticatedRequest, SENDER_ID_SCHEME, SIGNATURE_SCHEME, SenderAuthGuard } from '../senders/sender-auth.guard';
import { FHIR_MESSAGE_BUNDLE_EXAMPLE, FHIR_SERVICE_REQUEST_EXAMPLE, JSON_REFERRAL_EXAMPLE, PROBLEM_EXAMPLE } from './examples';
import { RequestKey, parseIdempotencyKey, requestHash } from './idempotency';
import { isFhirContentType, parseBatch, parseReferral } from './incoming-referral';
import { fhirIntentOf } from './referral-changes';
import { BatchReferralsDto, CreateReferralDto } from './referral.dto';
import { Referral } from './referral';
import { ReferralsService, Submission, statusUrl } from './referrals.service';

function statusView(referral: Referral) {
  return {
    referralId: referral.id,
    senderReferralId: referral.senderReferralId,
    status: referral.status,
    statusReason: referral.statusReason,
    statusChangedAt: referral.statusChangedAt,
    practiceOdsCode: referral.practiceOdsCode,
    needs: referral.needs,
    urgency: referral.urgency,
    format: referral.format,
    receivedAt: referral.receivedAt,
    updatedAt: referral.updatedAt,
    statusUrl: statusUrl(referral.id),
  };
}

export const problemResponse = (status: number, description: string) => ({
  status,
  description,
  content: { 'application/problem+json': { example: { ...PROBLEM_EXAMPLE, status, errors: status === 422 ? PROBLEM_EXAMPLE.errors : undefined } } },
});

const SIGNED = [
  ApiHeader({ name: 'X-Sender-Id', required: true, description: 'Your sender id, as registered with us.' }),
  ApiHeader({ name: 'webhook-id', required: true, description: 'Standard Webhooks message id; repeat it on every retry of the same request.' }),
  ApiHeader({ name: 'webhook-timestamp', required: true, description: 'Unix seconds; must be within 5 minutes of our clock.' }),
  ApiHeader({
    name: 'webhook-signature',
    required: true,
    description: 'Standard Webhooks v1 signature(s): "v1,<base64 HMAC-SHA256 of id.timestamp.body>", space-separated. GET requests sign an empty body.',
  }),
];

export function Signed(): MethodDecorator {
  return (target, key, descriptor) => {
    ApiSecurity({ [SENDER_ID_SCHEME]: [], [SIGNATURE_SCHEME]: [] })(target, key, descriptor);
    for (const decorator of SIGNED) decorator(target, key, descriptor);
    for (const [status, text] of [
      [401, 'Missing or bad signature, unknown or disabled sender, or webhook-timestamp outside ±5 minutes.'],
      [429, 'Over the sender rate limit; see Retry-After.'],
      [503, 'Our database is unavailable; nothing was stored. Retry after Retry-After seconds.'],
    ] as const) {
      ApiResponse(problemResponse(status, text))(target, key, descriptor);
    }
    return descriptor;
  };
}

export const KEYED = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description:
    'Optional, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"; for application/fhir+json, X-Request-ID (BaRS) is used when it is absent. The same key (or webhook-id) with the same body returns the first response again; with a different body 422; while the first is still in flight 409. Keys are kept for IDEMPOTENCY_RETENTION_HOURS (72 h by default).',
});

/** As Fastify registers it: "::" is a literal colon, so the route serves /v1/referrals:batch. */
export const BATCH_ROUTE = '/v1/referrals::batch';

/** BaRS senders repeat X-Request-ID on a retry, so for FHIR it stands in for a missing Idempotency-Key. */
export function requestKeys(request: AuthenticatedRequest, idempotencyKey: string | undefined): RequestKey[] {
  const barsRequestId = isFhirContentType(request.headers['content-type']) ? request.headers['x-request-id'] : undefined;
  const key = parseIdempotencyKey(idempotencyKey ?? barsRequestId);
  return [{ scope: 'webhook-id', key: request.webhookId }, ...(key ? [{ scope: 'idempotency-key' as const, key }] : [])];
}

/** A write's answer: its status, whether it is a replay, and where the referral can be read. */
export function answer(reply: FastifyReply, submission: Submission): unknown {
  reply.status(submission.response.status);
  if (submission.replayed) reply.header('Idempotent-Replayed', 'true');
  const referralId = (submission.response.body as { referralId?: string }).referralId;
  if (referralId) reply.header('Location', statusUrl(referralId));
  return submission.response.body;
}

@ApiTags('referrals')
@ApiExtraModels(CreateReferralDto, BatchReferralsDto)
@Controller()
@UseGuards(SenderAuthGuard)
export class ReferralsController {
  constructor(
    private readonly referrals: ReferralsService,
    private readonly env: IntakeEnvironment,
  ) {}

  @Post('v1/referrals')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a social prescribing referral',
    description:
      'Our JSON (application/json), a UK Core FHIR R4 ServiceRequest with a contained Patient, or a BaRS message Bundle (application/fhir+json). ' +
      'The referral is durable when you get 202. The same senderReferralId from the same sender is answered with the first referralId.',
  })
  @ApiConsumes('application/json', 'application/fhir+json')
  @ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(CreateReferralDto) }, { type: 'object', description: 'FHIR R4 ServiceRequest or message Bundle' }] },
    examples: {
      json: { summary: 'Our JSON referral', value: JSON_REFERRAL_EXAMPLE },
      serviceRequest: { summary: 'FHIR ServiceRequest, contained Patient and Consent (application/fhir+json)', value: FHIR_SERVICE_REQUEST_EXAMPLE },
      barsMessage: { summary: 'BaRS message Bundle (application/fhir+json)', value: FHIR_MESSAGE_BUNDLE_EXAMPLE },
    },
  })
  @KEYED
  @Signed()
  @ApiResponse({ status: 202, description: 'Stored durably; referral.received published.', schema: { example: { referralId: '3b0c8f8e-1f5e-4c4b-9d0e-6a1c2b3d4e5f', status: 'received', statusUrl: '/v1/referrals/3b0c8f8e-1f5e-4c4b-9d0e-6a1c2b3d4e5f' } } })
  @ApiResponse(problemResponse(400, 'Malformed JSON.'))
  @ApiResponse(problemResponse(403, 'The referring practice is not one this sender is registered for.'))
  @ApiResponse(problemResponse(409, 'A request with this key is still in flight.'))
  @ApiResponse(problemResponse(413, 'Body over the limit (64 KiB by default).'))
  @ApiResponse(problemResponse(415, 'Content-Type is not application/json or application/fhir+json.'))
  @ApiResponse(problemResponse(422, 'A rule was broken: every bad field is named by a JSON pointer in errors; or a key was reused for a different body.'))
  async create(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Headers('idempotency-key') idempotencyKey?: string) {
    const raw = request.rawBody!;
    const fhir = isFhirContentType(request.headers['content-type']);
    if (fhir) {
      // A BaRS message about a referral sent before: cancel it, or withdraw consent.
      const intent = fhirIntentOf(request.body);
      if (!intent.ok) throw new ProblemException(problem(422, 'The message was refused: see errors', { errors: intent.errors }));
      const keys = requestKeys(request, idempotencyKey);
      const hash = requestHash(raw);
      if (intent.value.kind === 'cancel') {
        return answer(reply, await this.referrals.cancel(request.sender, { senderReferralId: intent.value.senderReferralId }, intent.value.request, keys, hash));
      }
      if (intent.value.kind === 'withdraw-consent') {
        return answer(reply, await this.referrals.withdrawConsent(request.sender, { senderReferralId: intent.value.senderReferralId }, intent.value.withdrawal, keys, hash));
      }
    }
    const parsed = parseReferral(request.body, fhir);
    if (!parsed.ok) throw new ProblemException(problem(422, 'The referral was refused: see errors', { errors: parsed.errors }));
    const submission = await this.referrals.submit(request.sender, parsed.value, requestKeys(request, idempotencyKey), requestHash(raw));
    return answer(reply, submission);
  }

  @Post('v1/referrals::batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send up to 1,000 referrals (back-fills)',
    description:
      'Our JSON {"referrals": [...]} or a FHIR Bundle of type batch whose entries are ServiceRequests or BaRS message Bundles. Each item is answered on its own ' +
      '(202 with referralId, 403 or 422 with a problem whose pointers are relative to the batch body). Items are idempotent by senderReferralId, the batch by Idempotency-Key or webhook-id.',
  })
  @ApiConsumes('application/json', 'application/fhir+json')
  @ApiBody({ type: BatchReferralsDto, examples: { json: { summary: 'Two referrals', value: { referrals: [JSON_REFERRAL_EXAMPLE, { ...JSON_REFERRAL_EXAMPLE, senderReferralId: 'EMIS-SP-2026-004212' }] } } } })
  @KEYED
  @Signed()
  @ApiResponse({ status: 200, description: 'Per-item answers.' })
  @ApiResponse(problemResponse(413, 'Body over the batch limit (16 MiB by default).'))
  @ApiResponse(problemResponse(422, 'The batch itself is malformed (not a list, more than 1,000 items, unknown properties).'))
  async createBatch(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Headers('idempotency-key') idempotencyKey?: string) {
    const parsed = parseBatch(request.body, isFhirContentType(request.headers['content-type']));
    if (!parsed.ok) throw new ProblemException(problem(422, 'The batch was refused: see errors', { errors: parsed.errors }));
    const submission = await this.referrals.submitBatch(request.sender, parsed.value, requestKeys(request, idempotencyKey), requestHash(request.rawBody!));
    return answer(reply, submission);
  }

  @Get('v1/referrals/:id')
  @ApiOperation({ summary: 'Where a referral is now', description: 'Only the sender that sent a referral can read it; others get 404.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @Signed()
  @ApiResponse({ status: 200, description: 'The referral status.' })
  @ApiResponse(problemResponse(404, 'No such referral from this sender.'))
  async get(@Req() request: AuthenticatedRequest, @Param('id', new ParseUUIDPipe()) id: string) {
    return statusView(await this.referrals.getForSender(id, request.sender.id));
  }
}
