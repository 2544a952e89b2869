import { hashApiKey } from '@app/config';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

/*
 * The admin routes of both BFFs: who may call them (the admin role, by
 * token or API key) and from where (ADMIN_ALLOWED_IPS, the address as the
 * trusted proxies report it).
 */

const ADMIN_KEY = 'admin-surface-ops-key-0123456789';
const PARTNER_KEY = 'admin-surface-partner-key-012345';

const API_KEYS = JSON.stringify([
  { name: 'ops-robot', keyHash: hashApiKey(ADMIN_KEY), roles: ['admin'], tier: 'partner' },
  { name: 'partner', keyHash: hashApiKey(PARTNER_KEY), roles: [], tier: 'partner' },
]);

const ADMIN_ROUTES: { method: string; path: string; body?: string }[] = [
  { method: 'GET', path: '/admin/services' },
  { method: 'GET', path: '/admin/rate-limits?key=user:u1' },
  { method: 'POST', path: '/admin/cache/invalidate', body: '{"userId":"u1"}' },
];

const adminToken = (): Record<string, string> => ({
  authorization: `Bearer ${mintToken({ sub: 'ops', roles: ['admin'] })}`,
});

function call(
  base: string,
  route: (typeof ADMIN_ROUTES)[number],
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`${base}${route.path}`, {
    method: route.method,
    body: route.body,
    headers: { ...headers, ...(route.body === undefined ? {} : { 'content-type': 'application/json' }) },
  });
}

describe('who may call the admin routes', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ API_KEYS });
  });
  afterAll(() => stack.close());

  const everyAdminRoute = (): [string, string, (typeof ADMIN_ROUTES)[number]][] =>
    ['mobile', 'web'].flatMap((app) =>
      ADMIN_ROUTES.map((route): [string, string, (typeof ADMIN_ROUTES)[number]] => [app, route.path, route]),
    );

  it.each(everyAdminRoute())('%s %s serves a user with the admin role', async (app, _path, route) => {
    const response = await call(app === 'mobile' ? stack.mobileUrl : stack.webUrl, route, adminToken());

    expect(response.status).toBe(200);
  });

  it.each(everyAdminRoute())('%s %s serves an API key with the admin role', async (app, _path, route) => {
    const response = await call(app === 'mobile' ? stack.mobileUrl : stack.webUrl, route, {
      'x-api-key': ADMIN_KEY,
    });

    expect(response.status).toBe(200);
  });

  it.each(everyAdminRoute())(
    '%s %s refuses a user without the admin role with 403',
    async (app, _path, route) => {
      const response = await call(app === 'mobile' ? stack.mobileUrl : stack.webUrl, route, bearer('u1'));

      await expectProblem(response, 403);
      // RFC 6750: the token is good, its rights fall short; a client asks for more rather than signing in again.
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="bff-gateway", error="insufficient_scope"',
      );
    },
  );

  it.each(everyAdminRoute())(
    '%s %s refuses an API key without the admin role with 403',
    async (app, _path, route) => {
      const response = await call(app === 'mobile' ? stack.mobileUrl : stack.webUrl, route, {
        'x-api-key': PARTNER_KEY,
      });

      await expectProblem(response, 403);
      expect(response.headers.get('www-authenticate')).toBeNull();
    },
  );

  it.each(everyAdminRoute())(
    '%s %s refuses an anonymous caller with 401, offering both ways in: a Bearer token or an API key',
    async (app, _path, route) => {
      const response = await call(app === 'mobile' ? stack.mobileUrl : stack.webUrl, route, {});

      await expectProblem(response, 401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="bff-gateway", error="invalid_token", error_description="missing bearer token", ApiKey realm="bff-gateway"',
      );
    },
  );
});

describe('admin routes limited to ADMIN_ALLOWED_IPS', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Loopback is the proxy, so X-Forwarded-For names the caller; 203.0.113.0/24 is the operators' network.
    stack = await startStack({
      API_KEYS,
      TRUSTED_PROXIES: '127.0.0.1',
      ADMIN_ALLOWED_IPS: '203.0.113.0/24, 2001:db8::/32',
    });
  });
  afterAll(() => stack.close());

  it.each(ADMIN_ROUTES)('serves $path to an admin on an allowed network', async (route) => {
    const response = await call(stack.webUrl, route, { ...adminToken(), 'x-forwarded-for': '203.0.113.7' });

    expect(response.status).toBe(200);
  });

  it.each(ADMIN_ROUTES)('refuses $path to an admin from anywhere else with a 403 problem', async (route) => {
    const response = await call(stack.mobileUrl, route, {
      ...adminToken(),
      'x-forwarded-for': '198.51.100.9',
    });

    const problem = await expectProblem(response, 403);
    expect(problem.detail).toBe('Admin routes are not served to this address.');
  });

  it.each(['203.0.113.7:51234', '[2001:db8::7]:443'])(
    'serves an admin on an allowed network whose proxy writes the port beside the address (%s)',
    async (forwarded) => {
      const response = await call(stack.webUrl, ADMIN_ROUTES[0], {
        ...adminToken(),
        'x-forwarded-for': forwarded,
      });

      expect(response.status).toBe(200);
    },
  );

  it('refuses an admin API key from outside the allowed networks too', async () => {
    const response = await call(stack.webUrl, ADMIN_ROUTES[0], {
      'x-api-key': ADMIN_KEY,
      'x-forwarded-for': '198.51.100.9',
    });

    await expectProblem(response, 403);
  });

  it('serves an IPv6 caller on an allowed range', async () => {
    const response = await call(stack.webUrl, ADMIN_ROUTES[0], {
      ...adminToken(),
      'x-forwarded-for': '2001:db8:5::1',
    });

    expect(response.status).toBe(200);
  });

  it('keeps serving every other route to callers from anywhere', async () => {
    const response = await fetch(`${stack.mobileUrl}/mobile/profile`, {
      headers: { ...bearer('u1'), 'x-forwarded-for': '198.51.100.9' },
    });

    expect(response.status).toBe(200);
  });
});

describe('admin routes limited to ADMIN_ALLOWED_IPS, behind no trusted proxy', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ ADMIN_ALLOWED_IPS: '203.0.113.0/24' });
  });
  afterAll(() => stack.close());

  it('ignores an X-Forwarded-For naming an allowed address, since anyone can send one', async () => {
    const response = await call(stack.webUrl, ADMIN_ROUTES[0], {
      ...adminToken(),
      'x-forwarded-for': '203.0.113.7',
    });

    await expectProblem(response, 403);
  });
});
