import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CsrfRejected, SignInRequired } from './auth.exceptions';
import { SignInService } from './sign-in.service';
import type { WorkspaceUser } from './workspace-user';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by SignedInGuard. */
    workspaceUser?: WorkspaceUser;
  }
}

/**
 * Lets only signed-in people through; anyone else is sent to /sign-in (303). Use on every workspace
 * controller, then take the person with `@CurrentUser()`:
 *
 *   @Controller('workspace') @UseGuards(SignedInGuard)
 *   class CaseloadController { @Get() show(@CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue) {...} }
 */
@Injectable()
export class SignedInGuard implements CanActivate {
  constructor(private readonly signIn: SignInService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const user = await this.signIn.currentUser(request);
    if (!user) throw new SignInRequired();
    request.workspaceUser = user;
    return true;
  }
}

/** The signed-in person (behind SignedInGuard). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): WorkspaceUser => {
  const user = context.switchToHttp().getRequest<FastifyRequest>().workspaceUser;
  if (!user) throw new SignInRequired();
  return user;
});

/** What the page layout needs: the signed-in person (header, sign-out) and the form token. */
export interface PageContextValue {
  user?: WorkspaceUser;
  csrfToken: string;
}

/**
 * The CSRF token for this session's forms. Put it in every form as
 * `<input type="hidden" name="_csrf" value="{{csrfToken}}">`.
 */
export function csrfToken(reply: FastifyReply): string {
  return reply.generateCsrf();
}

/** `{ user, csrfToken }` for `templates.page(name, { title, ...page, ... })`. */
export const PageContext = createParamDecorator((_data: unknown, context: ExecutionContext): PageContextValue => {
  const http = context.switchToHttp();
  return { user: http.getRequest<FastifyRequest>().workspaceUser, csrfToken: csrfToken(http.getResponse<FastifyReply>()) };
});

const SKIP_CSRF = 'skip-csrf';

/**
 * For routes whose form is authorised by a secret in its own address (the one-click accept/decline
 * link): a cross-site page cannot know the address, so it cannot forge the request. Say why at each use.
 */
export const SkipCsrf = () => SetMetadata(SKIP_CSRF, true);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The content types a cross-site HTML form (or a no-cors fetch) can send without a CORS preflight. */
const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i;

/**
 * CSRF protection for every form (registered globally): any unsafe request another site could make
 * with our cookies — a form content type, or no body while carrying the session cookie — must carry
 * the session's token (`_csrf` field or `x-csrf-token` header), else 403 before the handler runs.
 * API calls with JSON or CSV bodies need a CORS preflight, which we never grant, so they pass.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (SAFE_METHODS.has(request.method)) return true;
    if (this.reflector.getAllAndOverride<boolean>(SKIP_CSRF, [context.getHandler(), context.getClass()])) return true;
    const type = request.headers['content-type'];
    const fromBrowser = type ? FORM_TYPES.test(type) : Boolean(request.session?.persisted);
    if (!fromBrowser) return true;
    await verifyCsrf(request);
    return true;
  }
}

/**
 * Runs @fastify/csrf-protection's check. It reports failure by sending an error on the reply; here a
 * stand-in reply turns that into an exception, so Nest's filters render the 403 page.
 */
function verifyCsrf(request: FastifyRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const reply = { send: (error: Error) => reject(new CsrfRejected(error.message)) } as unknown as FastifyReply;
    request.server.csrfProtection(request, reply, () => resolve());
  });
}
