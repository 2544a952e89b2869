import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs/json';
/** Where a Nest app set up at /docs serves its JSON by default, which Nest users and their tools try first. */
const NEST_DEFAULT_JSON_PATH = '/docs-json';

/**
 * The OpenAPI document of a BFF, built from its routes' decorators, served
 * as a UI at /docs and as JSON at /docs/json and /docs-json. All are
 * registered straight on Fastify, outside the guards: documentation needs
 * no token.
 */
export function serveOpenApi(
  app: NestFastifyApplication,
  about: { title: string; description: string },
): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(about.title)
      .setDescription(about.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: DOCS_JSON_PATH, raw: ['json'] });
  app.getHttpAdapter().get(NEST_DEFAULT_JSON_PATH, (_request, reply: FastifyReply) => {
    void reply.type('application/json').send(document);
  });
  return document;
}
