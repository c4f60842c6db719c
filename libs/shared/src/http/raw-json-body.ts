import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const JSON_CONTENT_TYPES = ['application/json', 'application/fhir+json'] as const;

export type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

/**
 * Webhook signatures cover the exact bytes sent, so JSON and FHIR JSON bodies are kept raw beside the
 * parsed value. Parsing stays Fastify's own (prototype-poisoning safe; malformed JSON is a 400).
 */
@Injectable()
export class RawJsonBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addContentTypeParser) return;
    const parseJson = fastify.getDefaultJsonParser('error', 'error');
    for (const type of JSON_CONTENT_TYPES) if (fastify.hasContentTypeParser(type)) fastify.removeContentTypeParser(type);
    fastify.addContentTypeParser([...JSON_CONTENT_TYPES], { parseAs: 'buffer' }, (request, body, done) => {
      (request as RequestWithRawBody).rawBody = body as Buffer;
      parseJson(request, (body as Buffer).toString('utf8'), done);
    });
  }
}
