import { applyDecorators, HttpCode } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiHeader, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { PROBLEM_CATALOGUE, type ProblemKind } from '@app/problem';
import { z } from 'zod';
import { problemSchema } from './problem.schema.js';

export interface ApiAnswerOptions {
  summary: string;
  /** The status of a successful answer. */
  status?: number;
  /** The problems this route may answer with, besides the ones every route may (400 does not apply to every route). */
  problems: ProblemKind[];
  /**
   * The answers of the route's other versions (chosen by X-Api-Version). The
   * document has one operation per path, so it lists every version's answer
   * on the default version's operation.
   */
  otherVersions?: z.ZodType[];
  /** Whether answers carry an ETag and `If-None-Match` gets a 304 (the cached aggregates). */
  conditional?: boolean;
  /**
   * How an answer served from the cache past its freshness, while its
   * service fails, says so: `age`, in X-Response-Complete: false and Age;
   * `meta`, in X-Response-Complete (sent on every answer) and its `meta`,
   * which names the stale section and its age.
   */
  staleOnError?: 'age' | 'meta';
}

/**
 * Problems any authenticated, throttled route can answer with. 503 with
 * Retry-After, whatever the route calls: while no JWKS signing key was
 * ever fetched, for a token whose kid cannot be looked up until the JWKS
 * cooldown ends, while rate limits fail closed without Redis, and for a
 * request the shutdown's drain could not wait for.
 */
const COMMON_PROBLEMS: ProblemKind[] = [
  'unauthorized',
  'too-many-requests',
  'service-unavailable',
  'internal',
];

type JsonSchema = Record<string, unknown>;

function openApiSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { target: 'openapi-3.0' }) as JsonSchema;
}

/** Fastify's serializer reads draft-07; the `$schema` marker is for documents, not for it. */
function serializerSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _marker, ...rest } = z.toJSONSchema(schema, { target: 'draft-7' }) as JsonSchema;
  return rest;
}

const PROBLEM_SCHEMA = openApiSchema(problemSchema);

/**
 * One zod schema per answer, used three ways: the OpenAPI document's
 * response schema, Fastify's response serializer (fast-json-stringify:
 * quicker than JSON.stringify, and it sends only the documented fields),
 * and, in the tests, the check that real answers match the document.
 */
export function ApiAnswer(schema: z.ZodType, options: ApiAnswerOptions): MethodDecorator {
  const status = options.status ?? 200;
  const problems = [...new Set([...options.problems, ...COMMON_PROBLEMS])];
  return applyDecorators(
    ApiOperation({ summary: options.summary }),
    HttpCode(status),
    ApiResponse({
      status,
      description: options.summary,
      headers: {
        ...ANSWER_HEADERS,
        ...RATE_LIMIT_HEADERS,
        ...(options.conditional === true ? CACHED_ANSWER_HEADERS : {}),
        ...(options.staleOnError === undefined ? {} : STALE_ANSWER_HEADERS[options.staleOnError]),
      },
      schema:
        options.otherVersions === undefined
          ? openApiSchema(schema)
          : { oneOf: [schema, ...options.otherVersions].map(openApiSchema) },
    }),
    ...problems.map((kind) =>
      ApiResponse({ status: PROBLEM_CATALOGUE[kind].status, ...problemResponse(kind) }),
    ),
    ...(options.conditional === true ? conditionalGet() : []),
    RouteSchema({ response: { [status]: serializerSchema(schema) } }),
  );
}

type HeaderDocs = Record<string, { description: string; schema: { type: 'string' | 'integer' } }>;

const text = (description: string) => ({ description, schema: { type: 'string' as const } });
const seconds = (description: string) => ({ description, schema: { type: 'integer' as const } });

/** What every answer carries. */
const ANSWER_HEADERS: HeaderDocs = {
  'X-Request-Id': text("The request id: the caller's own if it sent a well-formed one, else a new one"),
};

/** What a throttled route's answers carry (IETF RateLimit fields), for the tightest of the caller's windows. */
const RATE_LIMIT_HEADERS: HeaderDocs = {
  'RateLimit-Limit': seconds('Units the tightest window allows'),
  'RateLimit-Remaining': seconds('Units left in it'),
  'RateLimit-Reset': seconds('Seconds until it resets'),
  'RateLimit-Policy': text('Every window: its limit and length (w=seconds)'),
};

/** What a cached aggregate's answers add. */
const CACHED_ANSWER_HEADERS: HeaderDocs = {
  ETag: text("The answer's validator, for If-None-Match"),
  'X-Cache': text("hit or miss: whether the answer came from the gateway's cache"),
  'X-Response-Complete': text('false when a section is missing or stale (meta.degraded)'),
};

/** How an answer says it is cached data past its freshness (see {@link ApiAnswerOptions.staleOnError}). */
const STALE_ANSWER_HEADERS: Record<'age' | 'meta', HeaderDocs> = {
  age: {
    'X-Response-Complete': text(
      'false when the answer is cached data past its freshness (its service failed)',
    ),
    Age: seconds('Seconds since that data came from its service; sent with X-Response-Complete: false'),
  },
  meta: { 'X-Response-Complete': CACHED_ANSWER_HEADERS['X-Response-Complete'] },
};

/** Headers some problems carry besides the request id. */
const PROBLEM_HEADERS: Partial<Record<ProblemKind, HeaderDocs>> = {
  unauthorized: {
    'WWW-Authenticate': text(
      'The scheme to authenticate with: Bearer, or ApiKey; both when the request carried neither and the route takes either',
    ),
  },
  forbidden: {
    'WWW-Authenticate': text(
      'Bearer error="insufficient_scope" when a signed-in user lacks a role the route needs',
    ),
  },
  'too-many-requests': {
    'Retry-After': seconds('Seconds to wait before asking again'),
    ...RATE_LIMIT_HEADERS,
  },
  'service-unavailable': { 'Retry-After': seconds('Seconds to wait before asking again, when known') },
};

/** How the document describes an answer with the problem `kind`. */
function problemResponse(kind: ProblemKind): {
  description: string;
  headers: HeaderDocs;
  content: Record<string, { schema: JsonSchema }>;
} {
  return {
    description: PROBLEM_CATALOGUE[kind].title,
    headers: { ...ANSWER_HEADERS, ...PROBLEM_HEADERS[kind] },
    content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
  };
}

/**
 * The document's responses of an operation no decorator describes (a
 * route registered from configuration): `answers` by status, then the
 * problems it may answer with, besides those every route may.
 */
export function documentedResponses(
  answers: Record<number, { description: string; schema?: JsonSchema }>,
  problems: readonly ProblemKind[],
): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, { description, schema }] of Object.entries(answers)) {
    responses[status] = {
      description,
      headers: { ...ANSWER_HEADERS, ...RATE_LIMIT_HEADERS },
      ...(schema === undefined ? {} : { content: { 'application/json': { schema } } }),
    };
  }
  for (const kind of new Set([...problems, ...COMMON_PROBLEMS])) {
    responses[String(PROBLEM_CATALOGUE[kind].status)] = problemResponse(kind);
  }
  return responses;
}

/** What a conditional GET adds to a route's document: the request header, and the 304 it may get. */
function conditionalGet(): MethodDecorator[] {
  return [
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'The ETag of the answer the client holds; a 304 without a body says it is still current',
    }),
    ApiResponse({
      status: 304,
      description: 'Not modified: the answer the client holds is current',
      headers: { ...ANSWER_HEADERS, ETag: CACHED_ANSWER_HEADERS.ETag },
    }),
  ];
}
