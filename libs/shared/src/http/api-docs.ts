import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { SecuritySchemeObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

export interface ApiDocsOptions {
  title: string;
  /** Markdown: what the API is for and how to use it, shown at the top of /docs. */
  description: string;
  /** The server URL /docs names (PUBLIC_BASE_URL); relative when empty. */
  serverUrl?: string;
  /** Each scheme the API's operations name with @ApiSecurity / @ApiBearerAuth, so Swagger UI offers "Authorize". */
  securitySchemes: Record<string, SecuritySchemeObject>;
  /** The tags operations use, in display order, each described. */
  tags: Array<{ name: string; description: string }>;
  /** Operations Nest's explorer cannot describe (routes with regular-expression parameters), added by hand. */
  extraPaths?: OpenAPIObject['paths'];
}

/** The tag every service's GET /health and /health/ready carry. */
export const HEALTH_TAG = { name: 'health', description: 'Liveness (`/health`) and readiness, PostgreSQL and Redis (`/health/ready`). No authentication.' };

/**
 * Every service documents its HTTP API the same way: Swagger UI at /docs, the OpenAPI document at
 * /docs/openapi.json, security schemes declared, tags described.
 */
export function setupApiDocs(app: NestFastifyApplication, options: ApiDocsOptions): void {
  const builder = new DocumentBuilder().setTitle(options.title).setVersion('1').setDescription(options.description).addServer(options.serverUrl || '/');
  for (const [name, scheme] of Object.entries(options.securitySchemes)) builder.addSecurity(name, scheme);
  for (const tag of [...options.tags, HEALTH_TAG]) builder.addTag(tag.name, tag.description);
  const config = builder.build();
  const document = () => {
    const created = SwaggerModule.createDocument(app, config);
    return { ...created, paths: { ...created.paths, ...options.extraPaths } };
  };
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    swaggerOptions: { persistAuthorization: true },
  });
}
