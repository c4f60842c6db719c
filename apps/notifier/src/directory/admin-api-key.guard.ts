import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { ProblemException, problem } from '@app/shared';
import { NotifierEnvironment } from '../environment';

export const ADMIN_API_KEY_HEADER = 'x-api-key';
/** The OpenAPI security scheme this guard enforces (declared in /docs). */
export const ADMIN_API_KEY_SCHEME = 'adminApiKey';

/** Admin endpoints need the NOTIFIER_ADMIN_API_KEY in the x-api-key header, compared in constant time. */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(env: NotifierEnvironment) {
    this.expected = Buffer.from(env.NOTIFIER_ADMIN_API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers[ADMIN_API_KEY_HEADER];
    const given = Buffer.from(Array.isArray(header) ? (header[0] ?? '') : (header ?? ''));
    if (given.length === this.expected.length && timingSafeEqual(given, this.expected)) return true;
    throw new ProblemException(problem(401, `A valid admin API key is required in the ${ADMIN_API_KEY_HEADER} header.`), { 'WWW-Authenticate': 'ApiKey' });
  }
}
