import { CachingModule, ResourceCache } from '@app/caching';
import { ConfigModule, loadConfig } from '@app/config';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderClient } from './order.client.js';
import { PreferenceClient } from './preference.client.js';
import { ServiceClientsModule } from './service-clients.module.js';
import { UserClient } from './user.client.js';

const BODIES: Record<string, unknown> = {
  '/users/ada': {
    id: 'ada',
    name: 'Ada',
    email: 'ada@example.test',
    avatarUrl: null,
    tier: 'gold',
    createdAt: '2026-01-01T00:00:00.000Z',
  },
  '/orders': { items: [], nextCursor: null },
  '/preferences/ada': {
    userId: 'ada',
    language: 'en',
    currency: 'EUR',
    theme: 'dark',
    notifications: { email: true, push: false, sms: false },
    marketingOptIn: false,
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
};

/*
 * An answer looks its sections up in Redis with itself, under the keys the
 * clients name (ResourceCache.peekFresh); a key that differs from the one
 * the call reads would cost a lookup and a lock for nothing, silently.
 */
describe('the cache keys the clients name for an answer to look up with itself', () => {
  let server: Server;
  let app: INestApplicationContext;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const body = BODIES[(request.url ?? '').split('?')[0]];
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = loadConfig({ USER_SERVICE_URL: url, ORDER_SERVICE_URL: url, PREFERENCE_SERVICE_URL: url });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), CachingModule, ServiceClientsModule],
    }).compile();
    app = await moduleRef.init();
  });

  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('are the keys their calls are cached under', async () => {
    const users = app.get(UserClient);
    const orders = app.get(OrderClient);
    const preferences = app.get(PreferenceClient);
    const cache = app.get(ResourceCache);
    const page = { userId: 'ada', limit: 3 };

    await Promise.all([users.get('ada'), orders.list(page), preferences.get('ada')]);

    expect(await cache.peekFresh(users.cacheKeyOf('ada'))).toBeDefined();
    expect(await cache.peekFresh(orders.listCacheKeyOf(page))).toBeDefined();
    expect(await cache.peekFresh(preferences.cacheKeyOf('ada'))).toBeDefined();
    expect(await cache.peekFresh(orders.listCacheKeyOf({ ...page, limit: 20 }))).toBeUndefined();
  });
});
