import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs/json';
/** Where a Nest app set up at /docs serves its JSON by default, which Nest users and their tools try first. */
const NEST_DEFAULT_JSON_PATH = '/docs-json';

/**
 * Nest's own operation ids, except for a handler served at several paths
 * (`/health/live` and `/health/liveness`), which Nest names `live[0]` and
 * `live[1]`: brackets that client generators cannot turn into a name. The
 * first path keeps the handler's name, the others get `_2`, `_3`.
 */
function operationId(controllerKey: string, methodKey: string, version?: string): string {
  const method = methodKey.replace(/\[(\d+)\]$/, (_alias, index: string) =>
    index === '0' ? '' : `_${Number(index) + 1}`,
  );
  return [controllerKey, method, version].filter((part) => part !== undefined && part !== '').join('_');
}

/**
 * The OpenAPI document of a BFF, built from its routes' decorators, served
 * as a UI at /docs and as JSON at /docs/json and /docs-json. All are
 * registered straight on Fastify, outside the guards: documentation needs
 * no token.
 */
export function serveOpenApi(
  app: NestFastifyApplication,
  about: { title: string; description: string; paths?: Record<string, Record<string, unknown>> },
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
    { operationIdFactory: operationId },
  );
  Object.assign(document.paths, about.paths);
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: DOCS_JSON_PATH, raw: ['json'] });
  app.getHttpAdapter().get(NEST_DEFAULT_JSON_PATH, (_request, reply: FastifyReply) => {
    void reply.type('application/json').send(document);
  });
  return document;
}
