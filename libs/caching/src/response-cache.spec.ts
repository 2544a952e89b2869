import { loadConfig } from '@app/config';
import { Metrics } from '@app/observability';
import { RedisConnection } from '@app/redis';
import { Query, Req } from '@nestjs/common';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheInvalidator } from './cache-invalidator.js';
import { CacheLayers } from './cache-layers.js';
import { ResourceCache } from './resource-cache.js';
import { readsQuery, ResponseCachePipe } from './response-cache.js';

interface Answer {
  call: number;
  meta?: { degraded: string[]; sections: Record<string, { status: string }> };
}

/**
 * A Fastify app with one route that answers through the response cache the
 * way a controller does: the caller comes from an `x-user` header (none, no
 * principal), and the answer's body counts how often it was built.
 */
async function appWithCachedRoute(produce: () => Answer): Promise<FastifyInstance> {
  const config = loadConfig({});
  const redis = new RedisConnection(config);
  const layers = new CacheLayers(config, redis);
  const invalidator = new CacheInvalidator(config, layers, redis);
  const metrics = new Metrics();
  const cache = new ResourceCache(config, layers, redis, invalidator, metrics);
  const pipe = new ResponseCachePipe(config, cache, metrics);
  const app = Fastify();
  app.decorateRequest('user');
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-user'];
    (request as { user?: unknown }).user =
      typeof user === 'string' ? { kind: 'user', id: user, roles: [] } : undefined;
  });
  const handler = (request: FastifyRequest, reply: FastifyReply): Promise<string | undefined> =>
    pipe
      .transform({
        request,
        reply,
        route: { handler: 'SpecController.answer', vary: 'Authorization', keyedByQuery: true },
      })
      .answer(async () => produce());
  app.get('/answer', handler);
  app.post('/answer', handler);
  await app.ready();
  return app;
}

describe('the response cache', () => {
  let calls: number;
  let degraded: string[];
  let app: FastifyInstance;

  beforeEach(async () => {
    calls = 0;
    degraded = [];
    app = await appWithCachedRoute(() => {
      calls += 1;
      return {
        call: calls,
        meta: {
          degraded: [...degraded],
          sections: { orders: { status: degraded.length === 0 ? 'ok' : 'fallback' } },
        },
      };
    });
  });

  afterEach(async () => {
    await app.close();
  });

  const get = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: '/answer', headers: { 'x-user': 'u1', ...headers } });

  it("serves a caller's repeated request from the cache: same body, same ETag, built once", async () => {
    const first = await get();
    const second = await get();
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-cache']).toBe('miss');
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(second.headers['x-response-complete']).toBe('true');
    expect(calls).toBe(1);
  });

  it("never serves one caller's cached answer to another", async () => {
    await get();
    const other = await get({ 'x-user': 'u2' });
    expect(other.headers['x-cache']).toBe('miss');
    expect(calls).toBe(2);
  });

  it('marks the answer private, fresh for the configured time, and varying by Authorization', async () => {
    const first = await get();
    expect(first.headers['cache-control']).toBe('private, max-age=5');
    expect(first.headers.vary).toBe('Authorization');
  });

  it('answers 304 with no body when the client already holds the current answer', async () => {
    const first = await get();
    const conditional = await get({ 'if-none-match': String(first.headers.etag) });
    expect(conditional.statusCode).toBe(304);
    expect(conditional.body).toBe('');
  });

  it('does not keep a degraded answer, so the next request is built again', async () => {
    degraded = ['orders'];
    const first = await get();
    expect(first.headers['x-response-complete']).toBe('false');
    await get();
    expect(calls).toBe(2);
  });

  it('goes to the source for a client that asks with Cache-Control: no-cache', async () => {
    await get();
    const fresh = await get({ 'cache-control': 'no-cache' });
    expect(fresh.headers['x-cache']).toBe('miss');
    expect(calls).toBe(2);
  });

  it('caches nothing for a request without a principal, but still gives it an ETag', async () => {
    const first = await app.inject({ method: 'GET', url: '/answer' });
    await app.inject({ method: 'GET', url: '/answer' });
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['x-cache']).toBeUndefined();
    expect(calls).toBe(2);
  });

  it('never caches an answer to anything but a GET', async () => {
    await app.inject({ method: 'POST', url: '/answer', headers: { 'x-user': 'u1' } });
    const after = await get();
    expect(after.headers['x-cache']).toBe('miss');
    expect(calls).toBe(2);
  });
});

describe(readsQuery.name, () => {
  class Probe {
    withQuery(@Query('limit') _limit: string): void {}
    withRequest(@Req() _request: unknown): void {}
    plain(): void {}
  }

  it('keys on the query only a handler that is given it, whole or a field of it, or the whole request', () => {
    expect(readsQuery(Probe, 'withQuery')).toBe(true);
    expect(readsQuery(Probe, 'withRequest')).toBe(true);
    expect(readsQuery(Probe, 'plain')).toBe(false);
  });
});
