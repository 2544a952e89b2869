import type { FaultKnobs, ServiceName } from '@app/config';
import {
  DEMO_MISSING_USER,
  DEMO_USER_WITH_MANY_ORDERS,
  DEMO_USER_WITHOUT_ORDERS,
  demoOrder,
  demoOrders,
  demoPreferences,
  demoUser,
  type DemoOrder,
} from './demo-data.js';
import { startDemoServices, type DemoServices } from './demo-services.js';

const NO_FAULTS: FaultKnobs = { latencyMs: 0, errorRate: 0, down: false, malformed: false, hang: false };
const EPHEMERAL_PORTS: Record<ServiceName, number> = { user: 0, order: 0, preference: 0 };
const JSON_UTF8 = 'application/json; charset=utf-8';

interface JsonAnswer {
  status: number;
  contentType: string | null;
  body: unknown;
}

async function request(url: string, init?: RequestInit): Promise<JsonAnswer> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await response.json(),
  };
}

function patch(url: string, body: string): Promise<JsonAnswer> {
  return request(url, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body });
}

describe('startDemoServices', () => {
  let services: DemoServices;

  beforeAll(async () => {
    services = await startDemoServices({
      host: '127.0.0.1',
      ports: EPHEMERAL_PORTS,
      faults: { user: NO_FAULTS, order: NO_FAULTS, preference: NO_FAULTS },
    });
  });

  afterAll(async () => {
    await services.close();
  });

  describe('startup', () => {
    it('binds each service to its own ephemeral port and reports the real URL', () => {
      const urls = Object.values(services.urls);
      for (const url of urls) {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
      }
      expect(new Set(urls).size).toBe(3);
    });

    it('serves only its own routes on each port', async () => {
      expect((await request(`${services.urls.order}/users/u1`)).status).toBe(404);
      expect((await request(`${services.urls.user}/orders?userId=u1`)).status).toBe(404);
      expect((await request(`${services.urls.user}/preferences/u1`)).status).toBe(404);
    });

    it('reports healthy on every service', async () => {
      for (const url of Object.values(services.urls)) {
        expect(await request(`${url}/health`)).toEqual({
          status: 200,
          contentType: JSON_UTF8,
          body: { status: 'ok' },
        });
      }
    });

    it('answers unknown routes with a JSON 404', async () => {
      expect(await request(`${services.urls.user}/nowhere`)).toEqual({
        status: 404,
        contentType: JSON_UTF8,
        body: { error: 'not found' },
      });
    });

    it('refuses to start when a port is taken', async () => {
      const taken = Number(new URL(services.urls.user).port);
      await expect(
        startDemoServices({
          host: '127.0.0.1',
          ports: { ...EPHEMERAL_PORTS, user: taken },
          faults: { user: NO_FAULTS, order: NO_FAULTS, preference: NO_FAULTS },
        }),
      ).rejects.toThrow(/EADDRINUSE/);
    });
  });

  describe('user service', () => {
    it('serves the generated user as UTF-8 JSON', async () => {
      expect(await request(`${services.urls.user}/users/u1`)).toEqual({
        status: 200,
        contentType: JSON_UTF8,
        body: demoUser('u1'),
      });
    });

    it('answers 404 for the missing users', async () => {
      expect(await request(`${services.urls.user}/users/${DEMO_MISSING_USER}`)).toEqual({
        status: 404,
        contentType: JSON_UTF8,
        body: { error: 'user not found' },
      });
    });

    it('answers 404 for ids that try to leave their path segment or break the id rules', async () => {
      for (const id of [
        '..%2Fadmin',
        '%2E%2E%2Fadmin',
        '..%5Cadmin',
        'u1%00',
        'u%201',
        '%2E%2E',
        'u1%2Fx',
        'u%3B1',
      ]) {
        const answer = await request(`${services.urls.user}/users/${id}`);
        expect({ id, status: answer.status }).toEqual({ id, status: 404 });
      }
    });
  });

  describe('order service', () => {
    const ordersUrl = (query: string) => `${services.urls.order}/orders?${query}`;

    async function walk(query: string): Promise<{ items: DemoOrder[]; pages: number }> {
      const items: DemoOrder[] = [];
      let pages = 0;
      let cursor: string | null = null;
      do {
        const suffix: string = cursor === null ? '' : `&cursor=${cursor}`;
        const answer = await request(ordersUrl(`${query}${suffix}`));
        expect(answer.status).toBe(200);
        const page = answer.body as { items: DemoOrder[]; nextCursor: string | null };
        items.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null);
      return { items, pages };
    }

    it('serves the newest 20 orders on the first page', async () => {
      const answer = await request(ordersUrl(`userId=${DEMO_USER_WITH_MANY_ORDERS}`));
      expect(answer.status).toBe(200);
      expect(answer.contentType).toBe(JSON_UTF8);
      const page = answer.body as { items: DemoOrder[]; nextCursor: string | null };
      expect(page.items).toEqual(demoOrders(DEMO_USER_WITH_MANY_ORDERS).slice(0, 20));
      expect(page.nextCursor).toEqual(expect.any(String));
    });

    it('walks every order exactly once, newest first, across pages', async () => {
      const { items, pages } = await walk(`userId=${DEMO_USER_WITH_MANY_ORDERS}&limit=100`);
      const expected = demoOrders(DEMO_USER_WITH_MANY_ORDERS);
      expect(items).toEqual(expected);
      expect(new Set(items.map((order) => order.id)).size).toBe(expected.length);
      expect(pages).toBe(Math.ceil(expected.length / 100));
    });

    it('filters by status across pages', async () => {
      const { items } = await walk(`userId=${DEMO_USER_WITH_MANY_ORDERS}&limit=7&status=cancelled`);
      expect(items).toEqual(
        demoOrders(DEMO_USER_WITH_MANY_ORDERS).filter((order) => order.status === 'cancelled'),
      );
      expect(items.length).toBeGreaterThan(0);
    });

    it('answers an empty last page for users without orders and users that do not exist', async () => {
      for (const userId of [DEMO_USER_WITHOUT_ORDERS, DEMO_MISSING_USER]) {
        expect((await request(ordersUrl(`userId=${userId}`))).body).toEqual({ items: [], nextCursor: null });
      }
    });

    it('rejects a bad query with a JSON 400 naming the parameter', async () => {
      const user = `userId=${DEMO_USER_WITH_MANY_ORDERS}`;
      const cases: [query: string, parameter: string][] = [
        ['', 'userId'],
        ['userId=', 'userId'],
        ['userId=../u1', 'userId'],
        ['userId=u1&userId=u2', 'userId'],
        [`${user}&limit=0`, 'limit'],
        [`${user}&limit=101`, 'limit'],
        [`${user}&limit=abc`, 'limit'],
        [`${user}&limit=1.5`, 'limit'],
        [`${user}&limit=`, 'limit'],
        [`${user}&status=lost`, 'status'],
        [`${user}&cursor=not-a-cursor`, 'cursor'],
        [`${user}&cursor=${Buffer.from('p0').toString('base64url')}`, 'cursor'],
      ];
      for (const [query, parameter] of cases) {
        const answer = await request(ordersUrl(query));
        expect({ query, status: answer.status, contentType: answer.contentType }).toEqual({
          query,
          status: 400,
          contentType: JSON_UTF8,
        });
        expect((answer.body as { error: string }).error).toContain(parameter);
      }
    });

    it('serves one order by id, regenerated from the id alone', async () => {
      const order = demoOrder(DEMO_USER_WITH_MANY_ORDERS, 42);
      expect(await request(`${services.urls.order}/orders/${order.id}`)).toEqual({
        status: 200,
        contentType: JSON_UTF8,
        body: order,
      });
    });

    it('serves the orders of a user whose id is as long as a token may name', async () => {
      // This 128-character user has 19 orders.
      const userId = `u${'a'.repeat(127)}`;
      expect((await request(`${services.urls.user}/users/${userId}`)).status).toBe(200);
      const page = (await request(ordersUrl(`userId=${userId}&limit=1`))).body as { items: DemoOrder[] };
      const order = page.items[0];
      expect(order?.id.length).toBeGreaterThan(128);
      expect(await request(`${services.urls.order}/orders/${order?.id}`)).toMatchObject({
        status: 200,
        body: order,
      });
      expect((await request(`${services.urls.preference}/preferences/${userId}`)).status).toBe(200);
    });

    it('answers 404 for order ids that name no order', async () => {
      for (const id of [
        'o-u1-9999',
        `o-${DEMO_USER_WITHOUT_ORDERS}-1`,
        'o-missing-1-1',
        'o-u1-01',
        'nope',
        'o-..%2Fu1-1',
      ]) {
        expect(await request(`${services.urls.order}/orders/${id}`)).toEqual({
          status: 404,
          contentType: JSON_UTF8,
          body: { error: 'order not found' },
        });
      }
    });
  });

  describe('preference service', () => {
    const preferencesUrl = (userId: string) => `${services.urls.preference}/preferences/${userId}`;

    it('serves the generated preferences', async () => {
      expect(await request(preferencesUrl('u2'))).toEqual({
        status: 200,
        contentType: JSON_UTF8,
        body: demoPreferences('u2'),
      });
    });

    it('answers 404 for users that do not exist, on read and on write', async () => {
      expect((await request(preferencesUrl(DEMO_MISSING_USER))).status).toBe(404);
      expect((await request(preferencesUrl('..%2Fadmin'))).status).toBe(404);
      expect(await patch(preferencesUrl(DEMO_MISSING_USER), '{"theme":"dark"}')).toEqual({
        status: 404,
        contentType: JSON_UTF8,
        body: { error: 'user not found' },
      });
    });

    it('applies a partial update, stamps updatedAt and keeps it for later reads', async () => {
      const before = demoPreferences('u3');
      const patchedAt = Date.now();
      const answer = await patch(
        preferencesUrl('u3'),
        JSON.stringify({ language: 'pt-BR', notifications: { push: !before.notifications.push } }),
      );
      const expected = {
        ...before,
        language: 'pt-BR',
        notifications: { ...before.notifications, push: !before.notifications.push },
        updatedAt: expect.any(String),
      };
      expect(answer).toEqual({ status: 200, contentType: JSON_UTF8, body: expected });
      const updatedAt = Date.parse((answer.body as { updatedAt: string }).updatedAt);
      expect(updatedAt).toBeGreaterThanOrEqual(patchedAt);
      expect((await request(preferencesUrl('u3'))).body).toEqual(answer.body);
    });

    it('rejects unknown fields, wrong types and bodies that are not a JSON object', async () => {
      const bodies = [
        '{"nickname":"ace"}',
        '{"theme":"blue"}',
        '{"language":"english!"}',
        '{"currency":"euro"}',
        '{"marketingOptIn":"yes"}',
        '{"notifications":{"fax":true}}',
        '{"notifications":{"sms":1}}',
        '{"notifications":true}',
        '[]',
        'null',
        '{"theme":',
      ];
      for (const body of bodies) {
        const answer = await patch(preferencesUrl('u4'), body);
        expect({ body, status: answer.status, contentType: answer.contentType }).toEqual({
          body,
          status: 400,
          contentType: JSON_UTF8,
        });
        expect(answer.body).toEqual({ error: expect.any(String) });
      }
      expect((await request(preferencesUrl('u4'))).body).toEqual(demoPreferences('u4'));
    });
  });
});
