import { CanActivate, ExecutionContext, Inject, Injectable, InjectionToken, Type, mixin } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ProblemException, problem } from './problem-details';

type Headers = Record<string, string | string[] | undefined>;

/** Where a caller presents its credential: as `Authorization: Bearer <token>`, or as the value of a named header (an API key). */
export type CredentialSource = 'bearer' | { header: string };

/** The token of an "Authorization: Bearer <token>" header (the scheme in any case, RFC 6750), or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match ? match[1] : null;
}

/** The credential a request presents where `source` says, or null when there is none. */
export function presentedCredential(headers: Headers, source: CredentialSource): string | null {
  if (source === 'bearer') return bearerToken(headers.authorization);
  const header = headers[source.header.toLowerCase()];
  const value = Array.isArray(header) ? header[0] : header;
  return value ? value : null;
}

/**
 * Whether a presented secret is the configured one. Both are hashed first, so the comparison takes the
 * same time wherever they differ and whatever their lengths. An empty configured secret matches nothing.
 */
export function sameSecret(given: string | null | undefined, expected: string): boolean {
  if (given === null || given === undefined || expected.length === 0) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export interface CredentialGuardOptions<D, C> {
  credential: CredentialSource;
  /** What the check needs (a store, the service's environment), by injection token. */
  inject: InjectionToken;
  /**
   * The caller a credential stands for, or null (or false) when it stands for none. Compare configured
   * secrets with `sameSecret`; look issued keys up by their hash.
   */
  verify: (dependency: D, credential: string) => C | null | false | Promise<C | null | false>;
  /** Where the guard puts the caller on the request, for a parameter decorator to read. */
  requestProperty?: string;
  /** The 401's detail: which credential is wanted, and where. */
  refusal: string;
}

/**
 * A guard that lets a request through only with a credential `verify` accepts, and otherwise answers 401
 * problem+json with a WWW-Authenticate challenge (Bearer, or ApiKey for a header key). Every API key and
 * bearer check of every service is one of these, so none compares secrets its own way.
 */
export function CredentialGuard<D, C>(options: CredentialGuardOptions<D, C>): Type<CanActivate> {
  @Injectable()
  class Guard implements CanActivate {
    constructor(@Inject(options.inject) private readonly dependency: D) {}

    async canActivate(context: ExecutionContext): Promise<boolean> {
      const request = context.switchToHttp().getRequest<{ headers: Headers } & Record<string, unknown>>();
      const credential = presentedCredential(request.headers, options.credential);
      const caller = credential === null ? null : await options.verify(this.dependency, credential);
      if (!caller) {
        throw new ProblemException(problem(401, options.refusal), { 'WWW-Authenticate': options.credential === 'bearer' ? 'Bearer' : 'ApiKey' });
      }
      if (options.requestProperty) request[options.requestProperty] = caller;
      return true;
    }
  }
  return mixin(Guard);
}
