import { toProblemDocument, PROBLEM_CONTENT_TYPE, type ProblemKind } from '@app/problem';
import { fastify, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  DASHBOARD_PAGE_SIZE,
  EMPTY_ORDER_PAGE,
  PROFILE_ORDER_COUNT,
  toMeta,
  toMobileProfile,
  toWebDashboard,
  type Meta,
  type OrderPage,
  type Preferences,
  type User,
} from './answers.js';
import { TtlCache } from './ttl-cache.js';
import { UpstreamStatusError, type Upstream } from './upstream.js';

/** The product's default freshness per service (libs/config, *_SERVICE_CACHE_TTL_S). */
const TTL_MS = { user: 60_000, order: 15_000, preference: 300_000 };
/** The product's default in-memory bound (CACHE_MEMORY_MAX_ENTRIES). */
const CACHE_MAX_ENTRIES = 10_000;

export interface BaselineOptions {
  upstreams: { user: Upstream; order: Upstream; preference: Upstream };
  /** The user id of a valid `Authorization` header, else undefined. */
  verify: (authorization: string | undefined) => string | undefined;
  /** Keep upstream answers in memory for the product's TTLs (the cache-hit scenario's yardstick). */
  cache: boolean;
}

interface Sources {
  user(id: string): Promise<User>;
  orders(id: string, limit: number): Promise<OrderPage>;
  preferences(id: string): Promise<Preferences>;
}

function directSources({ user, order, preference }: BaselineOptions['upstreams']): Sources {
  return {
    user: (id) => user.getJson<User>(`/users/${id}`),
    orders: (id, limit) => order.getJson<OrderPage>(`/orders?userId=${id}&limit=${limit}`),
    preferences: (id) => preference.getJson<Preferences>(`/preferences/${id}`),
  };
}

function cachedSources(direct: Sources): Sources {
  const cache = new TtlCache(CACHE_MAX_ENTRIES);
  return {
    user: (id) => cache.get(`u:${id}`, TTL_MS.user, () => direct.user(id)),
    orders: (id, limit) => cache.get(`o:${id}:${limit}`, TTL_MS.order, () => direct.orders(id, limit)),
    preferences: (id) => cache.get(`p:${id}`, TTL_MS.preference, () => direct.preferences(id)),
  };
}

function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  kind: ProblemKind,
  detail: string,
): FastifyReply {
  const document = toProblemDocument(kind, detail, { instance: request.url, requestId: request.id });
  return reply.code(document.status).type(PROBLEM_CONTENT_TYPE).send(document);
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/**
 * The yardstick: plain Fastify, one route per aggregate, the three upstream
 * calls in parallel, the user required and the other two optional, as in
 * the product. No request context, logs, metrics, throttling or breakers:
 * what the product costs beyond this is the price of those.
 */
export function buildBaselineApp(options: BaselineOptions): FastifyInstance {
  const direct = directSources(options.upstreams);
  const sources = options.cache ? cachedSources(direct) : direct;
  const app = fastify({ logger: false, keepAliveTimeout: 72_000, requestIdHeader: false });

  type Answer<T> = (user: User, orders: OrderPage, preferences: Preferences | null, meta: Meta) => T;

  const aggregateRoute = <T>(ordersSection: string, orderLimit: number, answer: Answer<T>) =>
    async function handler(request: FastifyRequest, reply: FastifyReply) {
      const userId = options.verify(request.headers.authorization);
      if (userId === undefined) {
        void reply.header('www-authenticate', 'Bearer error="invalid_token"');
        return sendProblem(request, reply, 'unauthorized', 'The access token is invalid');
      }
      const id = encodeURIComponent(userId);
      const [user, orders, preferences] = await Promise.allSettled([
        sources.user(id),
        sources.orders(id, orderLimit),
        sources.preferences(id),
      ]);
      if (user.status === 'rejected') {
        const error: unknown = user.reason;
        if (error instanceof UpstreamStatusError && error.status === 404) {
          return sendProblem(request, reply, 'not-found', 'The user does not exist');
        }
        return isTimeout(error)
          ? sendProblem(request, reply, 'gateway-timeout', 'The user service did not answer in time')
          : sendProblem(request, reply, 'bad-gateway', 'The user service failed');
      }
      const meta = toMeta([
        ['user', true],
        [ordersSection, orders.status === 'fulfilled'],
        ['preferences', preferences.status === 'fulfilled'],
      ]);
      void reply.header('x-response-complete', String(meta.degraded.length === 0));
      return answer(
        user.value,
        orders.status === 'fulfilled' ? orders.value : EMPTY_ORDER_PAGE,
        preferences.status === 'fulfilled' ? preferences.value : null,
        meta,
      );
    };

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/mobile/profile', aggregateRoute('recentOrders', PROFILE_ORDER_COUNT, toMobileProfile));
  app.get('/web/dashboard', aggregateRoute('orders', DASHBOARD_PAGE_SIZE, toWebDashboard));
  return app;
}
