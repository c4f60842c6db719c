import { Body, Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendPage } from '../pages';
import { TemplateRenderer } from '../templates';
import { CurrentUser, PageContext, PageContextValue, SignedInGuard } from './auth.guards';
import { SIGN_IN_TOKEN_PATTERN, chosenRole, emailProblem, normaliseEmail, roleValue } from './sign-in-rules';
import { SignInService } from './sign-in.service';
import { SingleSignOn } from './single-sign-on';
import type { WorkspaceUser } from './workspace-user';

const BAD_LINK = {
  title: 'This sign-in link cannot be used',
  message: 'This link has expired or has already been used. Sign-in links work once, for 15 minutes. Ask for a new one.',
  link: { href: '/sign-in', text: 'Get a new sign-in link' },
};

const NO_SINGLE_SIGN_ON = {
  title: 'Page not found',
  message: 'Single sign-on is not set up for this service. Sign in with your email address instead.',
  link: { href: '/sign-in', text: 'Sign in with your email address' },
};

const SINGLE_SIGN_ON_FAILED = {
  title: 'Sign-in did not complete',
  message: 'We could not confirm your sign-in with your organisation’s account. Nothing was changed. Start again from the sign-in page.',
  link: { href: '/sign-in', text: 'Back to sign in' },
};

const NOT_SET_UP = {
  title: 'You are not set up to use this service',
  message:
    'You signed in, but your email address is not one we know for a link worker or an organisation taking referrals. Ask your link worker lead or your service’s administrator to add you to the directory.',
  link: { href: '/sign-in', text: 'Back to sign in' },
};

/** Sign-in by emailed link or single sign-on, sign-out, and sign-out everywhere. Thin: rules live in SignInService and sign-in-rules. */
// Pages for people, not an API: kept out of /docs.
@ApiExcludeController()
@Controller()
export class AuthController {
  constructor(
    private readonly signIn: SignInService,
    private readonly singleSignOn: SingleSignOn,
    private readonly templates: TemplateRenderer,
  ) {}

  /** The single sign-on button, when it is configured. */
  private get oidc() {
    return this.singleSignOn.enabled ? { label: this.singleSignOn.providerName } : undefined;
  }

  @Get('sign-in')
  form(@PageContext() page: PageContextValue, @Res() reply: FastifyReply): void {
    sendPage(reply, 200, this.templates.page('sign-in', { title: 'Sign in', ...page, oidc: this.oidc }));
  }

  @Post('sign-in')
  async request(@Body() form: { email?: unknown } | undefined, @Req() request: FastifyRequest, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    const email = normaliseEmail(form?.email);
    const problem = emailProblem(email);
    if (problem) {
      return sendPage(
        reply,
        422,
        this.templates.page('sign-in', {
          title: 'Sign in',
          ...page,
          oidc: this.oidc,
          email: typeof form?.email === 'string' ? form.email : '',
          errors: [{ href: '#email', text: problem }],
          fieldErrors: { email: problem },
        }),
      );
    }
    await this.signIn.requestLink(email, request.ip);
    sendPage(reply, 200, this.templates.page('check-email', { title: 'Check your email', ...page, minutes: 15 }));
  }

  /** Single sign-on: off → 404; on → to the provider, with state, nonce and the PKCE verifier kept in the session. */
  @Get('sign-in/oidc')
  async startSingleSignOn(@Req() request: FastifyRequest, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    if (!this.singleSignOn.enabled) return sendPage(reply, 404, this.templates.page('message', { ...NO_SINGLE_SIGN_ON, ...page }));
    await this.signIn.limitConfirmation(request.ip);
    const { url, pending } = await this.singleSignOn.start();
    request.session.oidc = pending;
    reply.status(303).redirect(url, 303);
  }

  /** Back from the provider: a verified email that is in the directory signs in; anyone else gets a page saying so, and no session. */
  @Get('sign-in/oidc/callback')
  async finishSingleSignOn(@Req() request: FastifyRequest, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    if (!this.singleSignOn.enabled) return sendPage(reply, 404, this.templates.page('message', { ...NO_SINGLE_SIGN_ON, ...page }));
    const pending = request.session.oidc;
    // One use only: a replayed callback finds nothing to match.
    delete request.session.oidc;
    const result = await this.singleSignOn.finish(request.url, pending);
    if (!result.ok) return sendPage(reply, 400, this.templates.page('message', { ...SINGLE_SIGN_ON_FAILED, ...page }));
    const person = await this.signIn.personFor(result.email);
    if (!person) return sendPage(reply, 403, this.templates.page('message', { ...NOT_SET_UP, ...page }));
    await request.session.regenerate();
    request.session.person = { kind: person.kind, id: person.id, email: person.email };
    reply.status(303).redirect('/workspace', 303);
  }

  /** Shows a button rather than signing in: mail scanners that open links must not use them up. */
  @Get('sign-in/:token')
  confirm(@Param('token') token: string, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): void {
    if (!SIGN_IN_TOKEN_PATTERN.test(token)) return sendPage(reply, 404, this.templates.page('message', { ...BAD_LINK, ...page }));
    sendPage(reply, 200, this.templates.page('sign-in-confirm', { title: 'Sign in to your workspace', ...page, action: `/sign-in/${token}` }));
  }

  @Post('sign-in/:token')
  async redeem(@Param('token') token: string, @Req() request: FastifyRequest, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    await this.signIn.limitConfirmation(request.ip);
    const person = SIGN_IN_TOKEN_PATTERN.test(token) ? await this.signIn.redeem(token) : null;
    if (!person) return sendPage(reply, 410, this.templates.page('message', { ...BAD_LINK, ...page }));
    // A new session id at sign-in: an id planted before sign-in (session fixation) is worth nothing.
    await request.session.regenerate();
    request.session.person = person;
    reply.status(303).redirect('/workspace', 303);
  }

  /** For an address that is, say, a link worker and an organisation's contact: which of them to act as. */
  @Get('workspace/role')
  @UseGuards(SignedInGuard)
  roleForm(@CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): void {
    sendPage(reply, 200, this.rolePage(user, page, roleValue(user)));
  }

  @Post('workspace/role')
  @UseGuards(SignedInGuard)
  async switchRole(@Body() form: { role?: unknown } | undefined, @CurrentUser() user: WorkspaceUser, @Req() request: FastifyRequest, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    const role = chosenRole(form?.role, user.roles);
    if (!role) {
      const problem = 'Choose one of your roles';
      return sendPage(reply, 422, this.rolePage(user, page, undefined, { errors: [{ href: `#role-${roleValue(user.roles[0])}`, text: problem }], fieldErrors: { role: problem } }));
    }
    // The address was proved at sign-in, and the role is one the directory gives it: no new proof needed.
    request.session.person = { kind: role.kind, id: role.id, email: user.email };
    reply.status(303).redirect('/workspace', 303);
  }

  private rolePage(user: WorkspaceUser, page: PageContextValue, checked: string | undefined, errors: Record<string, unknown> = {}): string {
    const roles = user.roles.map((role) => ({ ...role, value: roleValue(role), checked: roleValue(role) === checked, organisation: role.kind === 'organisation' }));
    return this.templates.page('role', { title: 'Choose your role', ...page, roles, ...errors });
  }

  @Post('sign-out')
  async signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (request.session?.persisted) await request.session.destroy();
    reply.status(303).redirect('/signed-out', 303);
  }

  @Post('sign-out/everywhere')
  @UseGuards(SignedInGuard)
  async signOutEverywhere(@CurrentUser() user: WorkspaceUser, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.signIn.signOutEverywhere(user);
    request.session = null as unknown as FastifyRequest['session'];
    reply.status(303).redirect('/signed-out/everywhere', 303);
  }

  @Get('signed-out')
  signedOut(@Res() reply: FastifyReply): void {
    sendPage(reply, 200, this.templates.page('signed-out', { title: 'You have signed out' }));
  }

  @Get('signed-out/everywhere')
  signedOutEverywhere(@Res() reply: FastifyReply): void {
    sendPage(reply, 200, this.templates.page('signed-out', { title: 'You have signed out everywhere', everywhere: true }));
  }
}
