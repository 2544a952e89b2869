import {
  createParamDecorator,
  Inject,
  Injectable,
  Logger,
  VERSION_NEUTRAL,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA, VERSION_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { completenessOf } from '@app/aggregation';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { asksForFreshData, forbidsStoring, Metrics, requestContextOf } from '@app/observability';
import {
  httpReplyOf,
  httpRequestOf,
  markAdmitsInHandler,
  pendingAdmission,
  perRoute,
} from '@app/route-metadata';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { responseCacheKey } from './cache-keys.js';
import type { CacheEntry } from './cache-entry.js';
import { etagOf, matchesIfNoneMatch } from './etag.js';
import { ResourceCache } from './resource-cache.js';

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

const NO_SECTIONS = (): readonly string[] => [];

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

function bypassesCache(request: FastifyRequest): boolean {
  return asksForFreshData(request.headers['cache-control'], request.headers.pragma);
}

/** The prepared answer's text, with the headers that describe it; nothing when the client's copy is current (304). */
function sendPrepared(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: PreparedAnswer | undefined,
  maxAgeMs: number,
  vary: string,
): string | undefined {
  if (answer === undefined) {
    return undefined;
  }
  void reply.header('etag', answer.etag);
  void reply.header('cache-control', `private, max-age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`);
  appendVary(reply, vary);
  if (answer.completeness !== undefined) {
    void reply.header('x-response-complete', answer.completeness);
  }
  const ifNoneMatch = request.headers['if-none-match'];
  if (matchesIfNoneMatch(typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined, answer.etag)) {
    void reply.code(304);
    if (request.method !== 'HEAD') {
      return undefined;
    }
    // No body either way, but Fastify gives a HEAD the length and type of what it is handed: the 200's, not 0 and text.
    void reply.type('application/json; charset=utf-8');
    return answer.text;
  }
  void reply.type('application/json; charset=utf-8');
  return answer.text;
}

/** The handler, not only the path: two versions of one route answer differently. */
function routeOf(request: FastifyRequest, handler: string): string {
  return `${requestContextOf(request)?.route ?? request.routeOptions.url ?? request.url}#${handler}`;
}

/** What {@link ResponseCache} reads off the request, for {@link ResponseCachePipe}. */
interface ResponseCacheRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  route: CachedRoute;
}

/** What a handler's answers are stored under and vary by, worked out once per handler. */
interface CachedRoute {
  /** `Class.method`: two versions of one route are two handlers, answering differently. */
  handler: string;
  /** The `Vary` field: the caller, and the version asked for when the route serves several. */
  vary: string;
  /** Whether the answer can depend on the query, so that it is part of the key. */
  keyedByQuery: boolean;
}

/**
 * Whether the handler is given its query: a `@Query()` parameter, or the
 * whole request. A handler that is not answers alike whatever query comes
 * with it, so it is left out of the key: a client's `?_=<timestamp>` would
 * otherwise file a new entry per request and push other callers' out of the
 * memory layer. Asking for a fresh answer is what `Cache-Control: no-cache`
 * is for.
 */
export function readsQuery(controller: Function, handlerName: string): boolean {
  const parameters = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {}) as object;
  return Object.keys(parameters).some((key) => {
    const type = Number(key.split(':', 1)[0]);
    return type === RouteParamtypes.QUERY || type === RouteParamtypes.REQUEST;
  });
}

/** Whether Nest routes the handler by `X-Api-Version`: a version named on it or its controller, other than "any". */
function servesVersions(handler: Function, controller: Function): boolean {
  const version: unknown =
    Reflect.getMetadata(VERSION_METADATA, handler) ?? Reflect.getMetadata(VERSION_METADATA, controller);
  return (Array.isArray(version) ? version : [version]).some(
    (each) => each !== undefined && each !== VERSION_NEUTRAL,
  );
}

const cachedRouteOf = perRoute((handler, controller): CachedRoute => ({
  handler: `${controller.name}.${handler.name}`,
  vary: servesVersions(handler, controller) ? 'Authorization, X-Api-Version' : 'Authorization',
  keyedByQuery: readsQuery(controller, handler.name),
}));

const readResponseCacheRequest = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ResponseCacheRequest => {
    return {
      request: httpRequestOf<FastifyRequest>(context),
      reply: httpReplyOf<FastifyReply>(context),
      route: cachedRouteOf(context),
    };
  },
);

/**
 * One request's way through the response cache: a GET answer is cached per
 * caller, and the key always holds the principal, so a route reached
 * without one is not cached at all and a forgotten key can never hand one
 * user's answer to another. Every answer, cached or not, carries
 * `Cache-Control: private` and an ETag, and `If-None-Match` gets a 304;
 * errors and degraded answers are never stored, and `Cache-Control:
 * no-cache` skips the lookup.
 */
export class CachedResponse {
  constructor(
    private readonly cache: ResourceCache,
    private readonly metrics: Metrics,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    /** Where the answer is kept; undefined for one that is not. */
    private readonly key: string | undefined,
    private readonly ttlMs: number,
    private readonly vary: string,
  ) {}

  /**
   * A fresh stored answer, else `produce`'s, stored when it is complete; the
   * JSON text to send, or nothing for a 304. `sections` names the resource
   * cache keys `produce` reads, asked for only when the answer is looked up
   * in Redis, and then looked up with it (see {@link ResourceCache.peekFresh}).
   */
  async answer(
    produce: () => Promise<unknown>,
    sections: () => readonly string[] = NO_SECTIONS,
  ): Promise<string | undefined> {
    const { request, reply, key, vary } = this;
    let clock = this.cache.invalidationClock;
    let since = this.cache.sharedNow();
    // The rate limit's verdict, when the guard left it to this handler (see ResponseCache): nothing goes out before it.
    const admission = pendingAdmission(request);
    if (key === undefined) {
      await admission;
      return sendPrepared(request, reply, prepare(reply, await produce()), 0, vary);
    }
    let asked: readonly string[] = [];
    const reloads = bypassesCache(request);
    // Asked for in the turn the rate limit was counted, so that both reach Redis in one round trip.
    const lookup = reloads
      ? undefined
      : this.cache.peekFresh<PreparedAnswer>(key, () => (asked = sections()), ownerOf(request));
    let hit: CacheEntry<PreparedAnswer> | undefined;
    try {
      [, hit] = await Promise.all([admission, lookup]);
    } catch (error) {
      this.cache.dropPrefetched(asked);
      throw error;
    }
    if (hit !== undefined && isPreparedAnswer(hit.value)) {
      this.cache.dropPrefetched(asked);
      this.metrics.countCacheEvent('response', 'hit');
      void reply.header('x-cache', 'hit');
      return sendPrepared(request, reply, hit.value, hit.freshUntil - Date.now(), vary);
    }
    this.metrics.countCacheEvent('response', 'miss');
    void reply.header('x-cache', 'miss');
    let produced: unknown;
    try {
      produced = await produce();
    } finally {
      this.cache.dropPrefetched(asked);
    }
    /*
     * A reload dropped its owner's data everywhere before its sections
     * loaded (ResourceCache.startFresh): an answer built after its own drop
     * is current, and is stored unless a later change overtook it. Held
     * against the clocks read before that drop, it never was.
     */
    const freshStart = reloads ? this.cache.afterFreshStart(request.context) : undefined;
    if (freshStart !== undefined) {
      ({ clock, since } = freshStart);
    }
    const owner = ownerOf(request);
    const answer = prepare(reply, produced);
    /*
     * Only complete answers are kept: a degraded one would outlive the
     * outage it reports; nor one built while the caller's data changed (a
     * write through another app or instance): its sections may predate
     * the change, and the next request builds the answer again.
     */
    if (
      answer === undefined ||
      answer.completeness === 'false' ||
      this.cache.changedSince(owner, clock) ||
      forbidsStoring(request.headers['cache-control'])
    ) {
      return sendPrepared(request, reply, answer, 0, vary);
    }
    await this.cache.storeFresh<PreparedAnswer>(key, answer, this.ttlMs, owner, since);
    return sendPrepared(request, reply, answer, this.ttlMs, vary);
  }
}

/** Makes each request's {@link CachedResponse}, deciding once per request whether and where its answer is kept. */
@Injectable()
export class ResponseCachePipe implements PipeTransform<ResponseCacheRequest, CachedResponse> {
  private readonly logger = new Logger(CachedResponse.name);
  private readonly refusedRoutes = new Set<string>();
  private readonly ttlMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly cache: ResourceCache,
    private readonly metrics: Metrics,
  ) {
    this.ttlMs = config.cache.enabled ? config.cache.responseTtlMs : 0;
  }

  transform({ request, reply, route }: ResponseCacheRequest): CachedResponse {
    const principal = principalOf(request);
    let key: string | undefined;
    if (principal === undefined) {
      this.refuse(routeOf(request, route.handler));
    } else if ((request.method === 'GET' || request.method === 'HEAD') && this.ttlMs > 0) {
      // HEAD is a GET without its body (RFC 9110): the same entry, the same headers, the body left out by Fastify.
      key = responseCacheKey(
        routeOf(request, route.handler),
        principal,
        route.keyedByQuery ? request.query : {},
      );
    }
    return new CachedResponse(this.cache, this.metrics, request, reply, key, this.ttlMs, route.vary);
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

/**
 * The request's {@link CachedResponse}, for a GET handler to answer
 * through: `return cache.answer(() => build())`. A parameter rather than an
 * interceptor: Nest runs every request of a route with an interceptor
 * through a chain of rxjs operators, which cost about 12% of the
 * instructions of a cache miss (bench/RESULTS.md). Parameters are resolved
 * after the guards, so a cached answer is only served to an authenticated
 * caller; the rate limit's verdict is left to `answer()`, which looks the
 * answer up meanwhile and serves, loads or refuses only once it has it.
 */
export const ResponseCache =
  (): ParameterDecorator =>
  (target, handler, index): void => {
    readResponseCacheRequest(undefined, ResponseCachePipe)(target, handler, index);
    if (handler !== undefined) {
      // answer() waits for the rate limit's verdict itself, beside its lookup.
      markAdmitsInHandler(target, handler);
    }
  };
