import {
  applyDecorators,
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { completenessOf } from '@app/aggregation';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { Metrics, requestContextOf } from '@app/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, map, type Observable } from 'rxjs';
import { responseCacheKey } from './cache-keys.js';
import { etagOf, matchesIfNoneMatch } from './etag.js';
import { ResourceCache } from './resource-cache.js';

const CACHE_RESPONSE = 'caching:response';

/** An answer as it is sent, so a hit is not serialized again. */
interface PreparedAnswer {
  /** JSON text, from the route's own response serializer. */
  text: string;
  etag: string;
  /** `X-Response-Complete`, for an aggregate. */
  completeness: 'true' | 'false' | undefined;
}

function isPreparedAnswer(value: unknown): value is PreparedAnswer {
  const answer = value as Partial<PreparedAnswer> | null;
  return typeof answer?.text === 'string' && typeof answer.etag === 'string';
}

/** Kind and id: a user and an API consumer that happen to share a name must never share an entry. */
function principalOf(request: FastifyRequest): string | undefined {
  const user = (request as FastifyRequest & { user?: { kind?: unknown; id?: unknown } }).user;
  return typeof user?.id === 'string' && typeof user.kind === 'string'
    ? `${user.kind}:${user.id}`
    : undefined;
}

/** Whose data an answer holds, for invalidation: a user's, by the id their data is filed under upstream. */
function ownerOf(request: FastifyRequest): string | undefined {
  const user = (request as FastifyRequest & { user?: { kind?: unknown; id?: unknown } }).user;
  return user?.kind === 'user' && typeof user.id === 'string' ? user.id : undefined;
}

/** Adds a Vary field to those already set (CORS sets Origin), rather than replacing them. */
function appendVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  if (current === undefined) {
    void reply.header('vary', field);
    return;
  }
  const fields = (Array.isArray(current) ? current.join(',') : typeof current === 'string' ? current : '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
  if (!fields.some((value) => value === '*' || value.toLowerCase() === field.toLowerCase())) {
    void reply.header('vary', [...fields, field].join(', '));
  }
}

const utf8 = new TextDecoder();

/**
 * Serializes the body once, with the route's own response serializer, for
 * the ETag, the cache and the wire alike: Fastify sends JSON text as it is.
 * Since the answer leaves as text, the `X-Response-Complete` that
 * aggregation's serialization hook would read off the body is set from here.
 */
function prepare(reply: FastifyReply, body: unknown): PreparedAnswer | undefined {
  if (body === undefined) {
    return undefined;
  }
  const serialized = reply.serialize(body);
  // Fastify's own serializers give text; a custom one may give bytes.
  const text = typeof serialized === 'string' ? serialized : utf8.decode(serialized);
  return { text, etag: etagOf(text), completeness: completenessOf(body) };
}

interface HandlerFacts {
  cacheable: boolean;
  /** `Class.method`: two versions of one route are two handlers. */
  name: string;
}

function bypassesCache(request: FastifyRequest): boolean {
  const header = request.headers['cache-control'];
  return typeof header === 'string' && /\bno-(cache|store)\b/i.test(header);
}

/**
 * Caches a GET answer per caller: the key always holds the principal, and a
 * route reached without one is not cached at all, so a forgotten key can
 * never hand one user's answer to another. Answers carry `Cache-Control:
 * private` and an ETag, `If-None-Match` gets a 304, errors and degraded
 * answers are never stored, and `Cache-Control: no-cache` skips the lookup.
 */
@Injectable()
export class ResponseCacheInterceptor implements NestInterceptor {
  private readonly logger = new Logger(ResponseCacheInterceptor.name);
  private readonly refusedRoutes = new Set<string>();
  /** Whether each handler caches, and the name that tells its versions apart, by class (a handler may be inherited). */
  private readonly handlers = new WeakMap<Function, WeakMap<Function, HandlerFacts>>();
  private readonly ttlMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly cache: ResourceCache,
    private readonly reflector: Reflector,
    private readonly metrics: Metrics,
  ) {
    this.ttlMs = config.cache.enabled ? config.cache.responseTtlMs : 0;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { cacheable, name } = this.handlerOf(context);
    // The handler, not only the path: two versions of one route answer differently.
    const route = `${requestContextOf(request)?.route ?? request.routeOptions.url ?? request.url}#${name}`;
    const principal = principalOf(request);
    if (!cacheable || request.method !== 'GET' || this.ttlMs <= 0 || principal === undefined) {
      if (cacheable && principal === undefined) {
        this.refuse(route);
      }
      return next.handle().pipe(map((body: unknown) => this.answer(request, reply, prepare(reply, body), 0)));
    }
    return from(this.answerCached(request, reply, responseCacheKey(route, principal, request.query), next));
  }

  /** A fresh stored answer, else the handler's, stored when it is complete. */
  private async answerCached(
    request: FastifyRequest,
    reply: FastifyReply,
    key: string,
    next: CallHandler,
  ): Promise<string | undefined> {
    const hit = bypassesCache(request) ? undefined : await this.cache.peekFresh<PreparedAnswer>(key);
    if (hit !== undefined && isPreparedAnswer(hit.value)) {
      this.metrics.countCacheEvent('response', 'hit');
      void reply.header('x-cache', 'hit');
      return this.answer(request, reply, hit.value, hit.freshUntil - Date.now());
    }
    this.metrics.countCacheEvent('response', 'miss');
    void reply.header('x-cache', 'miss');
    const answer = prepare(reply, await lastValueFrom(next.handle(), { defaultValue: undefined }));
    // Only complete answers are kept: a degraded one would outlive the outage it reports.
    if (answer === undefined || answer.completeness === 'false') {
      return this.answer(request, reply, answer, 0);
    }
    await this.cache.store<PreparedAnswer>(key, answer, this.ttlMs, ownerOf(request));
    return this.answer(request, reply, answer, this.ttlMs);
  }

  /** The prepared answer's text, with the headers that describe it; nothing when the client's copy is current (304). */
  private answer(
    request: FastifyRequest,
    reply: FastifyReply,
    answer: PreparedAnswer | undefined,
    maxAgeMs: number,
  ): string | undefined {
    if (answer === undefined) {
      return undefined;
    }
    void reply.header('etag', answer.etag);
    void reply.header('cache-control', `private, max-age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`);
    appendVary(reply, 'Authorization');
    if (answer.completeness !== undefined) {
      void reply.header('x-response-complete', answer.completeness);
    }
    const ifNoneMatch = request.headers['if-none-match'];
    if (matchesIfNoneMatch(typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined, answer.etag)) {
      void reply.code(304);
      return undefined;
    }
    void reply.type('application/json; charset=utf-8');
    return answer.text;
  }

  /** Read once per handler: its decorators are fixed once its class is defined. */
  private handlerOf(context: ExecutionContext): HandlerFacts {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byClass = this.handlers.get(handler);
    if (byClass === undefined) {
      byClass = new WeakMap();
      this.handlers.set(handler, byClass);
    }
    let facts = byClass.get(classRef);
    if (facts === undefined) {
      facts = {
        cacheable: this.reflector.get<boolean | undefined>(CACHE_RESPONSE, handler) === true,
        name: `${classRef.name}.${handler.name}`,
      };
      byClass.set(classRef, facts);
    }
    return facts;
  }

  private refuse(route: string): void {
    if (!this.refusedRoutes.has(route)) {
      this.refusedRoutes.add(route);
      this.logger.error(
        `not caching ${route}: it is reached without a principal, and a shared entry could leak one user's data`,
      );
    }
  }
}

/** Caches this GET route's answers per caller (see {@link ResponseCacheInterceptor}). */
export const CacheResponse = (): MethodDecorator =>
  applyDecorators(SetMetadata(CACHE_RESPONSE, true), UseInterceptors(ResponseCacheInterceptor));
