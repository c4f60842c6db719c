import { HttpException, HttpStatus } from '@nestjs/common';

/*
 * HTTP exceptions, so that wherever AuthPageFilter is not in play (an API route) they still answer
 * with the right status; on pages AuthPageFilter renders them.
 */

/** Thrown by SignedInGuard: pages redirect to /sign-in. */
export class SignInRequired extends HttpException {
  constructor() {
    super('Sign in required', HttpStatus.UNAUTHORIZED);
  }
}

/** Thrown by CsrfGuard: 403, and the handler never runs. */
export class CsrfRejected extends HttpException {
  constructor(reason: string) {
    super(`The form's CSRF token is missing or wrong (${reason})`, HttpStatus.FORBIDDEN);
  }
}

export class TooManySignInAttempts extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many sign-in attempts', HttpStatus.TOO_MANY_REQUESTS);
  }
}
