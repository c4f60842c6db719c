import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { JobHandler, JobName, JobQueues, JobSweeper, PlannedJob, SignInLinkJob, SweepSource, planJob } from '@app/shared';
import type { FastifyRequest } from 'fastify';
import { EmailSender } from '../delivery/email-sender';
import { DirectoryStore } from '../directory/directory.store';
import { NotifierEnvironment } from '../environment';
import { TemplateRenderer } from '../templates';
import { AuthStore } from './auth.store';
import { TooManySignInAttempts } from './auth.exceptions';
import { SignInRateLimiter } from './rate-limiter';
import { choosePerson, newSignInToken, normaliseEmail, rolesInOrder, sha256 } from './sign-in-rules';
import type { DirectoryPerson, PersonKind, WorkspaceUser } from './workspace-user';

function signInLinkJob(signInRequestId: string): PlannedJob {
  return planJob(JobName.SendSignInLink, { signInRequestId });
}

/**
 * Email-link sign-in and the sessions it opens. A link request is answered the same way whatever the
 * address; the directory lookup and the email happen later, on the email queue (see `requestLink`).
 */
@Injectable()
export class SignInService implements OnApplicationShutdown {
  private readonly logger = new Logger(SignInService.name);

  constructor(
    private readonly env: NotifierEnvironment,
    private readonly store: AuthStore,
    private readonly directory: DirectoryStore,
    private readonly templates: TemplateRenderer,
    private readonly email: EmailSender,
    private readonly limiter: SignInRateLimiter,
    private readonly jobs: JobQueues,
  ) {}

  /**
   * Counts the attempt against the address and the client (429 past either limit, known address or
   * not), then stores the request and queues its email job: the response never waits on, or reveals,
   * the directory lookup, and the request survives SMTP or Redis being away (the sweeper re-queues it).
   */
  async requestLink(email: string, clientIp: string): Promise<void> {
    await this.limit('client', clientIp, this.env.SIGN_IN_LIMIT_PER_CLIENT);
    await this.limit('address', email, this.env.SIGN_IN_LIMIT_PER_ADDRESS);
    const id = crypto.randomUUID();
    await this.store.insertSignInRequest({ id, email, requestedAt: new Date() });
    await this.jobs.enqueue([signInLinkJob(id)]);
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
    const roles = rolesInOrder(await this.directory.peopleByEmail(person.email));
    const match = roles.find((candidate) => candidate.kind === person.kind && candidate.id === person.id);
    if (!match) {
      await session.destroy();
      return null;
    }
    return { kind: person.kind, id: person.id, email: person.email, name: match.name, sessionId: sha256(session.sessionId).toString('hex'), roles: roles.map(({ kind, id, name }) => ({ kind, id, name })) };
  }

  /** Ends every session of this person (all browsers and devices), this one included. */
  async signOutEverywhere(user: WorkspaceUser): Promise<number> {
    return this.store.deletePersonSessions(user.kind, user.id);
  }

  async onApplicationShutdown(): Promise<void> {
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

  /**
   * Sends the link a request asked for, once: an error (SMTP away) is thrown so the runner retries with
   * backoff and finally dead-letters it. Each attempt makes a fresh token; one never emailed is never used.
   */
  @JobHandler(JobName.SendSignInLink)
  async sendLink(job: SignInLinkJob): Promise<void> {
    const request = await this.store.unhandledSignInRequest(job.signInRequestId);
    if (!request) return;
    const now = new Date();
    const ttlSeconds = this.env.SIGN_IN_LINK_TTL_SECONDS;
    if (now.getTime() - new Date(request.requestedAt).getTime() > ttlSeconds * 1000) {
      // Whoever asked has given up waiting, or will have asked again: a link this late only confuses.
      this.logger.warn({ signInRequestId: request.id }, 'Sign-in link not sent: the request is older than a link lives');
      await this.store.markSignInRequestHandled(request.id, now);
      return;
    }
    const person = await this.personFor(request.email);
    if (!person) {
      // Not logged with the address: a mistyped address is still someone's personal data.
      this.logger.log({ signInRequestId: request.id }, 'Sign-in link requested for an address not in the directory; nothing sent');
      await this.store.markSignInRequestHandled(request.id, now);
      return;
    }
    const token = newSignInToken();
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
    await this.store.markSignInRequestHandled(request.id, new Date());
    this.logger.log({ personKind: person.kind, personId: person.id, notificationId, signInRequestId: request.id }, 'Sign-in link sent');
  }
}

/** Sign-in requests not yet handled: each must have its email job, whatever Redis lost. */
@Injectable()
@JobSweeper()
export class SignInRequestsSweep implements SweepSource {
  readonly name = 'sign-in link requests';
  readonly everyMs: number;

  constructor(
    private readonly store: AuthStore,
    env: NotifierEnvironment,
  ) {
    this.everyMs = env.DELIVERY_SWEEP_MS;
  }

  candidates(after: string | null, limit: number): Promise<Array<{ id: string }>> {
    return this.store.unhandledSignInRequestIds(after, limit);
  }

  jobsFor(request: { id: string }): PlannedJob[] {
    return [signInLinkJob(request.id)];
  }
}
