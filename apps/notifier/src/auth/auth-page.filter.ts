import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { sendPage } from '../pages';
import { TemplateRenderer } from '../templates';
import { CsrfRejected, SignInRequired, TooManySignInAttempts } from './auth.exceptions';

/** Turns sign-in refusals into pages: a redirect to sign in, a 403 for a failed form check, a 429. */
@Injectable()
@Catch(SignInRequired, CsrfRejected, TooManySignInAttempts)
export class AuthPageFilter implements ExceptionFilter {
  constructor(private readonly templates: TemplateRenderer) {}

  catch(exception: SignInRequired | CsrfRejected | TooManySignInAttempts, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof SignInRequired) {
      reply.status(303).header('cache-control', 'no-store').redirect('/sign-in', 303);
      return;
    }
    if (exception instanceof TooManySignInAttempts) {
      const minutes = Math.max(1, Math.ceil(exception.retryAfterSeconds / 60));
      reply.header('retry-after', String(exception.retryAfterSeconds));
      sendPage(
        reply,
        429,
        this.templates.page('message', {
          title: 'Too many sign-in attempts',
          message: `There have been too many attempts to sign in from here or for this address. Wait ${minutes} minute${minutes === 1 ? '' : 's'}, then try again.`,
          link: { href: '/sign-in', text: 'Back to sign in' },
        }),
      );
      return;
    }
    sendPage(
      reply,
      403,
      this.templates.page('message', {
        title: 'This form could not be sent',
        message: 'The page was open too long or was sent from somewhere else, so nothing was changed. Go back, reload the page and try again.',
        link: { href: '/workspace', text: 'Go to your workspace' },
      }),
    );
  }
}
