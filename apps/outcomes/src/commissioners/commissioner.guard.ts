import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { ProblemException, problem } from '@app/shared';
import { bearerToken } from '../http/bearer';
import { Commissioner } from './commissioner';
import { CommissionerStore } from './commissioner.store';

type WithCommissioner = FastifyRequest & { commissioner?: Commissioner };

/** The OpenAPI security scheme this guard enforces (declared in /docs). */
export const COMMISSIONER_KEY_SCHEME = 'commissionerKey';

/** Feeds, reports and extracts answer only to a registered commissioner's key: Authorization: Bearer <key>. */
@Injectable()
export class CommissionerGuard implements CanActivate {
  constructor(private readonly commissioners: CommissionerStore) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WithCommissioner>();
    const key = bearerToken(request.headers.authorization);
    const commissioner = key ? await this.commissioners.findByKey(key) : null;
    if (!commissioner) {
      throw new ProblemException(problem(401, 'A commissioner API key is required: Authorization: Bearer <key>.'), { 'WWW-Authenticate': 'Bearer' });
    }
    request.commissioner = commissioner;
    return true;
  }
}

export const CurrentCommissioner = createParamDecorator((_data: unknown, context: ExecutionContext): Commissioner => {
  return context.switchToHttp().getRequest<WithCommissioner>().commissioner as Commissioner;
});
