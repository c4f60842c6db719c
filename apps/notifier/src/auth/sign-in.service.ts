import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { EmailSender } from '../delivery/email-sender';
import { DirectoryStore } from '../directory/directory.store';
import { NotifierEnvironment } from '../environment';
import { TemplateRenderer } from '../templates';
import { AuthStore } from './auth.store';
import { TooManySignInAttempts } from './auth.exceptions';
import { SignInRateLimiter } from './rate-limiter';
import { choosePerson, newSignInToken, normaliseEmail, sha256 } from './sign-in-rules';
import type { DirectoryPerson, PersonKind, WorkspaceUser } from './workspace-user';

/**
 * Email-link sign-in and the sessions it opens. A link request is answered the same way whatever the
 * address; the directory lookup and the email happen after the response (see `requestLink`).
 */
@Injectable()
export class SignInService implements OnApplicationShutdown {
  private readonly logger = new Logger(SignInService.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly env: NotifierEnvironment,
    private readonly store: AuthStore,
    private readonly directory: DirectoryStore,
    private readonly templates: TemplateRenderer,
    private readonly email: EmailSender,
    private readonly limiter: SignInRateLimiter,
  ) {}

  /**
   * Counts the attempt against the address and the client (429 past either limit, known address or
   * not), then sends the link in the background: the response never waits on, or reveals, the lookup.
   */
  async requestLink(email: string, clientIp: string): Promise<void> {
    await this.limit('client', clientIp, this.env.SIGN_IN_LIMIT_PER_CLIENT);
    await this.limit('address', email, this.env.SIGN_IN_LIMIT_PER_ADDRESS);
    this.inBackground(() => this.sendLink(email));
  }

  /** Confirmation attempts count against the client too, so nobody can try tokens at speed. */
  async limitConfirmation(clientIp: string): Promise<void> {
    await this.limit('client', clientIp, this.env.SIGN_IN_LIMIT_PER_CLIENT);
  }

  /** Who an address signs in as, if anyone (see choosePerson). */
  async personFor(email: string): Promise<(DirectoryPerson & { email: string }) | null> {
    const address = normaliseEmail(email);
    const person = choosePerson(await this.directory.peopleByEmail(address));
    return person ? { ...person, email: address } : null;
  }

  /** Uses the token once. Returns who it signs in, or null when it is unknown, used or expired. */
  async redeem(token: string): Promise<{ kind: PersonKind; id: string; email: string } | null> {
    const person = await this.store.consumeToken(sha256(token), new Date());
    if (person) await this.store.purgeExpired(new Date(), this.limits);
    return person;
  }

  /**
   * The signed-in person for this request, checked against the directory each time: someone removed
   * from the directory (or a contact removed from an organisation) is signed out at their next request.
   */
  async currentUser(request: FastifyRequest): Promise<WorkspaceUser | null> {
    const session = request.session;
    const person = session?.person;
    if (!person) return null;
    const match = (await this.directory.peopleByEmail(person.email)).find((candidate) => candidate.kind === person.kind && candidate.id === person.id);
    if (!match) {
      await session.destroy();
      return null;
    }
    return { kind: person.kind, id: person.id, email: person.email, name: match.name, sessionId: sha256(session.sessionId).toString('hex') };
  }

  /** Ends every session of this person (all browsers and devices), this one included. */
  async signOutEverywhere(user: WorkspaceUser): Promise<number> {
    return this.store.deletePersonSessions(user.kind, user.id);
  }

  /** Resolves when every link requested so far has been sent or given up on (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.settled();
    this.email.close();
    this.limiter.close();
  }

  private get limits() {
    return { idleSeconds: this.env.WORKSPACE_SESSION_IDLE_SECONDS, maxSeconds: this.env.WORKSPACE_SESSION_MAX_SECONDS };
  }

  private async limit(scope: 'address' | 'client', subject: string, max: number): Promise<void> {
    let decision;
    try {
      decision = await this.limiter.hit(scope, subject, max);
    } catch (error) {
      this.logger.warn({ err: error, scope }, 'Sign-in rate limit unavailable (Redis); allowing the attempt');
      return;
    }
    if (!decision.allowed) throw new TooManySignInAttempts(decision.retryAfterSeconds);
  }

  private inBackground(work: () => Promise<void>): void {
    const promise = work()
      .catch((error) => this.logger.error({ err: error }, 'Could not send a sign-in link'))
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
  }

  private async sendLink(rawEmail: string): Promise<void> {
    const person = await this.personFor(rawEmail);
    if (!person) {
      // Not logged with the address: a mistyped address is still someone's personal data.
      this.logger.log('Sign-in link requested for an address not in the directory; nothing sent');
      return;
    }
    const token = newSignInToken();
    const now = new Date();
    const ttlSeconds = this.env.SIGN_IN_LINK_TTL_SECONDS;
    const { email } = person;
    await this.store.saveToken({ hash: sha256(token), kind: person.kind, id: person.id, email, createdAt: now, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) });
    const context = {
      name: person.name,
      link: `${this.env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/sign-in/${token}`,
      minutes: Math.max(1, Math.round(ttlSeconds / 60)),
    };
    const notificationId = crypto.randomUUID();
    await this.email.send({
      notificationId,
      // Names the .eml file when there is no SMTP server (sign-in-<id>.eml); a sign-in email has no referral.
      referralId: 'sign-in',
      to: email,
      subject: this.templates.render('email/sign-in.subject', context).trim(),
      text: this.templates.render('email/sign-in.text', context),
      html: this.templates.render('email/sign-in.html', context),
    });
    this.logger.log({ personKind: person.kind, personId: person.id, notificationId }, 'Sign-in link sent');
  }
}
