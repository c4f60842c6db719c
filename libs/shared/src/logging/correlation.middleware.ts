import { Injectable, NestMiddleware } from '@nestjs/common';
import { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_HEADER, acceptCorrelationId, runWithCorrelation } from './correlation';

/** Carries the caller's correlation id (or a new one) through everything the request causes. */
@Injectable()
export class CorrelationMiddleware implements NestMiddleware {
  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const correlationId = acceptCorrelationId(req.headers[CORRELATION_HEADER]);
    req.headers[CORRELATION_HEADER] = correlationId;
    res.setHeader(CORRELATION_HEADER, correlationId);
    runWithCorrelation({ correlationId }, next);
  }
}
