import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { CredentialGuard } from '@app/shared';
import { Commissioner } from './commissioner';
import { CommissionerStore } from './commissioner.store';

type WithCommissioner = FastifyRequest & { commissioner?: Commissioner };

/** The OpenAPI security scheme this guard enforces (declared in /docs). */
export const COMMISSIONER_KEY_SCHEME = 'commissionerKey';

/** Feeds, reports and extracts answer only to a registered commissioner's key: Authorization: Bearer <key>. */
export const CommissionerGuard = CredentialGuard({
  credential: 'bearer',
  inject: CommissionerStore,
  verify: (commissioners: CommissionerStore, key) => commissioners.findByKey(key),
  requestProperty: 'commissioner',
  refusal: 'A commissioner API key is required: Authorization: Bearer <key>.',
});

export const CurrentCommissioner = createParamDecorator((_data: unknown, context: ExecutionContext): Commissioner => {
  return context.switchToHttp().getRequest<WithCommissioner>().commissioner as Commissioner;
});
