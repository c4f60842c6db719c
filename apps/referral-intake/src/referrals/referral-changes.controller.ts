import { Controller, Headers, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeEndpoint, OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ProblemException, problem } from '@app/shared';
import { AuthenticatedRequest, SENDER_ID_SCHEME, SIGNATURE_SCHEME, SenderAuthGuard } from '../senders/sender-auth.guard';
import { requestHash } from './idempotency';
import { CANCEL_REASONS, parseCancelRequest, parseConsentWithdrawal } from './referral-changes';
import { answer, problemResponse, requestKeys } from './referrals.controller';
import { ReferralsService } from './referrals.service';

/** Our referral ids are UUIDs; the route says so, so "/v1/referrals/{id}:cancel" cannot match anything else. */
const ID = ':id([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})';

const referralId = { name: 'id', in: 'path' as const, required: true, schema: { type: 'string', format: 'uuid' }, description: 'The referralId intake answered with.' };
const signedHeaders = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'X-Sender-Id', 'Idempotency-Key'].map((name) => ({
  name,
  in: 'header' as const,
  required: name !== 'Idempotency-Key',
  schema: { type: 'string' },
  description: name === 'Idempotency-Key' ? 'Optional; a retry with the same key (or webhook-id) gets the first answer again.' : 'Standard Webhooks signing, as for every request (see the signing guide).',
}));
const changed = (status: string) => ({ referralId: '3b0c8f8e-1f5e-4c4b-9d0e-6a1c2b3d4e5f', status, statusUrl: '/v1/referrals/3b0c8f8e-1f5e-4c4b-9d0e-6a1c2b3d4e5f' });
const refusals = (extra: Record<number, string>) =>
  Object.fromEntries(
    Object.entries({ 401: 'Missing or bad signature, unknown or disabled sender.', 404: 'No such referral from this sender.', 429: 'Over the sender rate limit.', ...extra }).map(([status, text]) => {
      const { description, content } = problemResponse(Number(status), text);
      return [status, { description, content }];
    }),
  );

/** The two routes in /docs, written out: Nest's explorer cannot read their id pattern. */
export const REFERRAL_CHANGE_PATHS: OpenAPIObject['paths'] = {
  '/v1/referrals/{id}:cancel': {
    post: {
      tags: ['referrals'],
      summary: 'Cancel a referral you sent',
      description:
        'Everyone it was offered to is told and their links stop working; you get a status callback saying cancelled. A completed, closed or ended referral cannot be cancelled (409). ' +
        'Cancelling again answers 200 with the same result. As FHIR: post the BaRS message again (same ServiceRequest.identifier) with status revoked or entered-in-error.',
      security: [{ [SENDER_ID_SCHEME]: [], [SIGNATURE_SCHEME]: [] }],
      parameters: [referralId, ...signedHeaders],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['reason'],
              properties: {
                reason: { type: 'string', enum: CANCEL_REASONS.map((reason) => reason.code), description: CANCEL_REASONS.map((reason) => `${reason.code}: ${reason.label}`).join('; ') },
                reasonText: { type: 'string', maxLength: 500, description: 'Required with reason "other".' },
              },
            },
            example: { reason: 'no-longer-required', reasonText: 'The patient has found a local walking group.' },
          },
        },
      },
      responses: {
        202: { description: 'Cancelled; referral.cancelled published.', content: { 'application/json': { example: changed('cancelled') } } },
        200: { description: 'It was already cancelled.', content: { 'application/json': { example: changed('cancelled') } } },
        ...refusals({ 409: 'The referral has ended and cannot be cancelled.', 422: 'No reason, or an unknown one: see errors.' }),
      },
    },
  },
  '/v1/referrals/{id}:withdraw-consent': {
    post: {
      tags: ['referrals'],
      summary: 'Record that the person withdrew consent',
      description:
        "Work on the referral stops everywhere, and the person's details are deleted from every service, keeping only the pseudonymised record (age band, sex, postcode district, practice, events). " +
        'Asking again answers 200 with the same result. As FHIR: post the BaRS message again (same ServiceRequest.identifier) with its Consent inactive or rejected.',
      security: [{ [SENDER_ID_SCHEME]: [], [SIGNATURE_SCHEME]: [] }],
      parameters: [referralId, ...signedHeaders],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: 'object', properties: { recordedAt: { type: 'string', format: 'date-time' } } }, example: {} } },
      },
      responses: {
        202: { description: "Recorded; referral.consent-withdrawn published; the person's details erased here.", content: { 'application/json': { example: changed('consent-withdrawn') } } },
        200: { description: 'It was already recorded.' },
        ...refusals({ 422: 'A bad recordedAt: see errors.' }),
      },
    },
  },
};

/**
 * Changes a sender makes to a referral it sent: cancelling it, and recording that the person withdrew
 * consent. Signed, scoped to the sender and idempotent like sending one.
 */
@Controller()
@UseGuards(SenderAuthGuard)
export class ReferralChangesController {
  constructor(private readonly referrals: ReferralsService) {}

  @Post(`v1/referrals/${ID}::cancel`)
  @HttpCode(202)
  @ApiExcludeEndpoint() // described in REFERRAL_CHANGE_PATHS: the explorer cannot read this route's id pattern
  async cancel(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Headers('idempotency-key') idempotencyKey?: string) {
    const parsed = parseCancelRequest(request.body);
    if (!parsed.ok) throw new ProblemException(problem(422, 'The cancellation was refused: see errors', { errors: parsed.errors }));
    const change = await this.referrals.cancel(request.sender, { referralId: id }, parsed.value, requestKeys(request, idempotencyKey), requestHash(request.rawBody!));
    return answer(reply, change);
  }

  @Post(`v1/referrals/${ID}::withdraw-consent`)
  @HttpCode(202)
  @ApiExcludeEndpoint()
  async withdrawConsent(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Headers('idempotency-key') idempotencyKey?: string) {
    const parsed = parseConsentWithdrawal(request.body);
    if (!parsed.ok) throw new ProblemException(problem(422, 'The consent withdrawal was refused: see errors', { errors: parsed.errors }));
    const change = await this.referrals.withdrawConsent(request.sender, { referralId: id }, parsed.value, requestKeys(request, idempotencyKey), requestHash(request.rawBody!));
    return answer(reply, change);
  }
}
