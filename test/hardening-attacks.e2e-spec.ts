import { demoUser } from '../apps/demo-services/src/demo-data.js';
import { FakeUpstream } from './support/fake-upstream.js';
import { expectProblem } from './support/problem.js';
import { expectRawProblem, rawExchange, rawGet } from './support/raw-http.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

/*
 * Known attacks on a gateway, one test each, against the real apps with
 * fake upstreams that record what reached them: nothing a client sends may
 * reach another upstream path, pollute a prototype, overflow a stack, open
 * a breaker for everyone, or survive validation by repetition.
 */

const ORDER = {
  id: 'o-u1-1',
  userId: 'u1',
  status: 'paid',
  total: { amount: 1200, currency: 'EUR' },
  lines: [{ sku: 'SKU-1', name: 'Mug', qty: 1, unitPrice: { amount: 1200, currency: 'EUR' } }],
  createdAt: '2025-01-01T00:00:00.000Z',
};

/** Ids that try to climb out of `/orders/<id>` or `/users/<id>`, or to smuggle a separator past the gateway. */
const HOSTILE_IDS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2e',
  '..%2F..%2Fusers%2Fu2',
  '%2F..%2Fadmin',
  'a%2Fb',
  'a%5Cb',
  '..%5C..%5Cadmin',
  '%252e%252e%252fadmin',
  'o-u1-1%2F..%2F..%2Fusers%2Fu2',
  'o-u1-1%3Fstatus%3Dpaid',
  'o-u1-1%23fragment',
  'o-u1-1%00',
  'o-u1-1%0D%0AX-Injected:%201',
  'o-u1-1;x=y',
  '%C0%AE%C0%AE',
  '%u002e%u002e',
];

/** Every path segment of an upstream URL, decoded once as an upstream would: none may be a separator, a dot segment or a control character. */
function climbsOut(url: string, prefix: string): boolean {
  const path = url.split('?', 1)[0];
  if (!path.startsWith(prefix)) {
    return true;
  }
  return path
    .slice(prefix.length)
    .split('/')
    .some((segment) => {
      const decoded = decodeURIComponent(segment);
      return decoded === '.' || decoded === '..' || /[/\\]|\p{Cc}/u.test(decoded);
    });
}

describe('attacks through ids, bodies and queries', () => {
  let users: FakeUpstream;
  let orders: FakeUpstream;
  let stack: Stack;
  const admin = { authorization: `Bearer ${mintToken({ sub: 'ops', roles: ['admin'] })}` };

  beforeAll(async () => {
    users = await FakeUpstream.start();
    orders = await FakeUpstream.start();
    stack = await startStack({
      USER_SERVICE_URL: users.url,
      ORDER_SERVICE_URL: orders.url,
      PASS_THROUGH_ROUTES: JSON.stringify([
        {
          app: 'web',
          prefix: '/web/api/users/',
          service: 'user',
          upstreamPrefix: '/users/',
          methods: ['GET', 'POST'],
        },
      ]),
    });
  });
  afterAll(async () => {
    await stack.close();
    await users.close();
    await orders.close();
  });
  beforeEach(() => {
    users.received.length = 0;
    orders.received.length = 0;
    users.respond(() => ({ kind: 'json', body: demoUser('u1') }));
    orders.respond(() => ({ kind: 'json', body: ORDER }));
  });

  describe('path traversal and encoded separators in ids', () => {
    it.each([
      ['mobile', '/mobile/orders/'],
      ['web', '/web/orders/'],
    ] as const)(
      'never lets a %s order id reach anything but one order on the order service',
      async (app, route) => {
        const base = app === 'mobile' ? stack.mobileUrl : stack.webUrl;

        for (const id of HOSTILE_IDS) {
          const response = await fetch(`${base}${route}${id}`, { headers: bearer('u1') });
          // fetch resolves plain dot segments itself; what it sends is still a path a client could send.
          expect([400, 404], `${route}${id}`).toContain(response.status);
          await expectProblem(response, response.status);
        }

        expect(orders.received.filter((request) => climbsOut(request.url, '/orders/'))).toEqual([]);
        expect(users.received.filter((request) => !request.url.startsWith('/users/u1'))).toEqual([]);
      },
    );

    it('never lets a pass-through path climb out of the upstream prefix or smuggle a separator', async () => {
      for (const id of HOSTILE_IDS) {
        for (const path of [id, `u1/${id}`, `${id}/u1`]) {
          const response = await fetch(`${stack.webUrl}/web/api/users/${path}`, { headers: bearer('u1') });
          expect(response.status, path).toBeLessThan(500);
          await response.arrayBuffer();
        }
      }

      expect(users.received.length).toBeGreaterThan(0);
      expect(users.received.filter((request) => climbsOut(request.url, '/users/'))).toEqual([]);
      expect(orders.received).toEqual([]);
    });
  });

  describe('__proto__ and constructor keys in JSON bodies', () => {
    const patch = (body: string): Promise<Response> =>
      fetch(`${stack.webUrl}/web/preferences`, {
        method: 'PATCH',
        body,
        headers: { ...bearer('u1'), 'content-type': 'application/json' },
      });

    it.each([
      ['__proto__ at the top', '{"__proto__": {"theme": "dark"}}'],
      ['__proto__ inside a field', '{"notifications": {"__proto__": {"push": true}}}'],
      ['constructor.prototype', '{"constructor": {"prototype": {"theme": "dark"}}}'],
      ['a plain constructor field', '{"constructor": "dark"}'],
    ])('refuses %s with a 400 problem and writes nothing', async (_label, body) => {
      const before = stack.demo.faults.preference.requestCount();

      await expectProblem(await patch(body), 400);

      expect(stack.demo.faults.preference.requestCount()).toBe(before);
      expect(({} as Record<string, unknown>).theme).toBeUndefined();
      expect(({} as Record<string, unknown>).push).toBeUndefined();
    });

    it('refuses them on the admin cache invalidation', async () => {
      const response = await fetch(`${stack.webUrl}/admin/cache/invalidate`, {
        method: 'POST',
        body: '{"userId": "u1", "__proto__": {"isAdmin": true}}',
        headers: { ...admin, 'content-type': 'application/json' },
      });

      await expectProblem(response, 400);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('refuses them on a pass-through route before anything is relayed', async () => {
      const response = await fetch(`${stack.webUrl}/web/api/users/u1`, {
        method: 'POST',
        body: '{"name": "x", "__proto__": {"roles": ["admin"]}}',
        headers: { ...bearer('u1'), 'content-type': 'application/json' },
      });

      await expectProblem(response, 400);
      expect(users.received).toEqual([]);
    });
  });

  describe('deeply nested and huge JSON', () => {
    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    const relay = (body: string): Promise<Response> =>
      fetch(`${stack.webUrl}/web/api/users/u1`, {
        method: 'POST',
        body,
        headers: { ...bearer('attacker'), 'content-type': 'application/json' },
      });

    it('refuses a body nested 30,000 deep on a validated route with a 400 problem', async () => {
      const response = await fetch(`${stack.webUrl}/web/preferences`, {
        method: 'PATCH',
        body: `{"notifications": ${deep}}`,
        headers: { ...bearer('u1'), 'content-type': 'application/json' },
      });

      await expectProblem(response, 400);
    });

    it('refuses it on a pass-through route with a 400 problem, relaying nothing', async () => {
      await expectProblem(await relay(deep), 400);

      expect(users.received).toEqual([]);
    });

    it('relays a bare JSON number as JSON, rather than failing the call as the upstream’s fault', async () => {
      const response = await relay('7');

      expect(response.status).toBe(200);
      expect(users.received.map(({ body, headers }) => ({ body, type: headers['content-type'] }))).toEqual([
        { body: '7', type: 'application/json' },
      ]);
    });

    it('leaves the breaker closed for everyone however often one caller sends such bodies', async () => {
      for (let round = 0; round < 10; round += 1) {
        await (await relay(deep)).arrayBuffer();
        await (await relay('7')).arrayBuffer();
        await (await relay('true')).arrayBuffer();
      }

      const services = (await (await fetch(`${stack.webUrl}/admin/services`, { headers: admin })).json()) as {
        services: { service: string; breaker: string }[];
      };
      expect(services.services.find((entry) => entry.service === 'user')?.breaker).toBe('closed');
      const victim = await fetch(`${stack.webUrl}/web/api/users/u1`, { headers: bearer('u1') });
      expect(victim.status).toBe(200);
    });

    it('refuses a body past the 64 KiB limit with a 413 problem, relaying nothing', async () => {
      const body = JSON.stringify({ name: 'x'.repeat(70 * 1024) });

      await expectProblem(await relay(body), 413);
      expect(users.received).toEqual([]);
    });

    it('refuses 64 KiB of unknown fields with one 400 problem', async () => {
      const fields = Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`f${index}`, 0]));
      const response = await fetch(`${stack.webUrl}/web/preferences`, {
        method: 'PATCH',
        body: JSON.stringify(fields),
        headers: { ...bearer('u1'), 'content-type': 'application/json' },
      });

      await expectProblem(response, 400);
    });
  });

  describe('duplicate and hostile query parameters', () => {
    it.each([
      ['web', '/web/orders?limit=5&limit=50'],
      ['web', '/web/orders?status=paid&status=shipped'],
      ['web', '/web/orders?cursor=a&cursor=b'],
      ['mobile', '/mobile/orders?cursor=a&cursor=b'],
      ['web', '/web/orders?__proto__=x'],
      ['web', '/web/orders?constructor=x'],
      ['web', '/web/orders?limit[]=5'],
    ] as const)('%s %s is a 400 problem, and never reaches the order service', async (app, path) => {
      const response = await fetch(`${app === 'mobile' ? stack.mobileUrl : stack.webUrl}${path}`, {
        headers: bearer('u1'),
      });

      await expectProblem(response, 400);
      expect(orders.received).toEqual([]);
    });

    it('refuses a repeated key on the admin rate-limit lookup', async () => {
      const response = await fetch(`${stack.webUrl}/admin/rate-limits?key=user:u1&key=user:u2`, {
        headers: admin,
      });

      await expectProblem(response, 400);
    });

    it('relays a repeated pass-through parameter repeated, in order, as the client sent it: the upstream decides what it means', async () => {
      const response = await fetch(`${stack.webUrl}/web/api/users/u1?fields=name&fields=email`, {
        headers: bearer('u1'),
      });

      expect(response.status).toBe(200);
      expect(users.received.map((request) => request.url)).toEqual(['/users/u1?fields=name&fields=email']);
    });
  });

  describe('a cursor the order service refuses', () => {
    beforeEach(() => {
      orders.respond(() => ({
        kind: 'json',
        status: 400,
        body: { error: 'cursor: must be a cursor from a previous page' },
      }));
    });

    it.each([
      ['mobile', '/mobile/orders?cursor=cDk5OTk5OQ'],
      ['web', '/web/orders?cursor=forged-cursor&limit=5'],
    ] as const)('%s %s is a 400 problem naming the cursor, not a 502', async (app, path) => {
      const response = await fetch(`${app === 'mobile' ? stack.mobileUrl : stack.webUrl}${path}`, {
        headers: bearer('u1'),
      });

      const problem = await expectProblem(response, 400);
      expect(problem.errors).toEqual([{ field: 'cursor', message: 'must be a cursor from a previous page' }]);
      expect(problem.detail).toBe('The query is not valid: cursor must be a cursor from a previous page.');
    });

    it('still answers 502 when the order service refuses a call without a cursor, which is the gateway’s own', async () => {
      const response = await fetch(`${stack.webUrl}/web/orders`, { headers: bearer('u1') });

      await expectProblem(response, 502);
    });
  });

  describe('a huge JWT', () => {
    it('refuses a token over 8 KiB with a 401 problem, before verifying it', async () => {
      const response = await fetch(`${stack.mobileUrl}/mobile/profile`, {
        headers: { authorization: `Bearer ${mintToken({ sub: 'u1' })}${'A'.repeat(9 * 1024)}` },
      });

      const problem = await expectProblem(response, 401);
      expect(problem.detail).toBe('The access token is too large');
      expect(response.headers.get('www-authenticate')).toContain('token too large');
    });

    it('refuses an Authorization header past the 16 KiB header limit with a 431 problem', async () => {
      const { answer } = await rawExchange(
        stack.mobileUrl,
        rawGet('/mobile/profile', [`Authorization: Bearer ${'A'.repeat(20 * 1024)}`]),
      );

      expectRawProblem(answer, 431);
    });
  });
});
