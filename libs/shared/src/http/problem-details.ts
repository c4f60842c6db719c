import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, throwError } from 'rxjs';
import { isDatabaseUnavailable } from '../database/connectivity';

/** One bad field, named by a JSON pointer into the request body (RFC 6901). */
export interface FieldProblem {
  pointer: string;
  detail: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An error that already knows its RFC 9457 shape. */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorised',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export function problem(status: number, detail?: string, extra: Partial<ProblemDetails> = {}): ProblemDetails {
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, ...(detail ? { detail } : {}), ...extra };
}

/**
 * Every HTTP error leaves as application/problem+json; internals never leak into the body.
 * Event handlers' errors pass through unchanged: Nest's own RPC filter would turn them into plain
 * objects and hide an UnrecoverableError from BullMQ.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => exception);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    let body: ProblemDetails;
    let headers: Record<string, string> = {};
    if (exception instanceof ProblemException) {
      body = exception.problem;
      headers = exception.headers;
    } else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : (response as { message?: string | string[] }).message;
      body = problem(status, Array.isArray(message) ? message.join('; ') : message);
    } else if (isDatabaseUnavailable(exception)) {
      body = problem(HttpStatus.SERVICE_UNAVAILABLE, 'The referral store is unavailable; nothing was stored. Retry later.');
      headers = { 'Retry-After': '5' };
    } else if ((exception as { statusCode?: number })?.statusCode && (exception as { statusCode: number }).statusCode < 500) {
      const fastifyError = exception as { statusCode: number; message: string };
      body = problem(fastifyError.statusCode, fastifyError.message);
    } else {
      // Through the err serializer (serializeError): never the query, parameters or body.
      this.logger.error({ err: exception }, 'Unhandled error');
      body = problem(HttpStatus.INTERNAL_SERVER_ERROR, 'An unexpected error occurred.');
    }
    body.instance ??= request.url?.split('?')[0];
    reply.status(body.status).headers({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE }).send(body);
  }
}
