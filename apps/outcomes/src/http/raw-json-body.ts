import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

/**
 * Webhook signatures cover the exact bytes sent, so JSON bodies are kept raw beside the parsed value.
 * Parsing stays Fastify's own (prototype-poisoning safe; malformed JSON is a 400).
 */
@Injectable()
export class RawJsonBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addContentTypeParser) return;
    const parseJson = fastify.getDefaultJsonParser('error', 'error');
    if (fastify.hasContentTypeParser('application/json')) fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      (request as RequestWithRawBody).rawBody = body as Buffer;
      parseJson(request, (body as Buffer).toString('utf8'), done);
    });
  }
}
