import { randomBytes } from 'node:crypto';
import { hashApiKey } from '@app/config';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { adminHeaders, rateLimitHeaderNames, rateLimitOf, retryAfterOf } from './support/throttling.js';

/*
 * Server-to-server consumers with API keys, each limited by its tier. Only
 * admin routes let a consumer through (user-data routes refuse consumers by
 * design), so the two counted consumers hold the admin role. Counters live
 * in memory: the mobile and the web BFF each count on their own, which
 * keeps the tests below from spending each other's limits.
 */

const newKey = (): string => randomBytes(24).toString('base64url');
const KEYS = { gold: newKey(), bronze: newKey(), reporting: newKey() };

const env = {
  THROTTLE_ENABLED: 'true',
  THROTTLE_BURST_LIMIT: '100',
  THROTTLE_BURST_WINDOW_MS: '1000',
  THROTTLE_SUSTAINED_LIMIT: '20',
  THROTTLE_SUSTAINED_WINDOW_MS: '60000',
  THROTTLE_TIERS: JSON.stringify({ gold: { burst: 50, sustained: 8 }, bronze: { burst: 50, sustained: 3 } }),
  API_KEYS: JSON.stringify([
    { name: 'gold-ops', keyHash: hashApiKey(KEYS.gold), roles: ['admin'], tier: 'gold' },
    { name: 'bronze-ops', keyHash: hashApiKey(KEYS.bronze), roles: ['admin'], tier: 'bronze' },
    { name: 'reporting', keyHash: hashApiKey(KEYS.reporting), roles: [], tier: 'bronze' },
  ]),
};

describe('API consumers and their tiers', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(env);
  });
  afterAll(() => stack.close());

  const withKey = (key: string): Record<string, string> => ({ 'x-api-key': key });
  const services = (base: string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${base}/admin/services`, { headers });

  it('gives each consumer the limits of its tier, and a signed-in user those of the app', async () => {
    const gold = await services(stack.mobileUrl, withKey(KEYS.gold));
    expect(gold.status).toBe(200);
    expect(rateLimitOf(gold)).toMatchObject({ limit: 8, remaining: 7, policy: '50;w=1, 8;w=60' });

    const bronze = await services(stack.mobileUrl, withKey(KEYS.bronze));
    expect(bronze.status).toBe(200);
    expect(rateLimitOf(bronze)).toMatchObject({ limit: 3, remaining: 2, policy: '50;w=1, 3;w=60' });

    const user = await services(stack.mobileUrl, adminHeaders('ops-tiers'));
    expect(user.status).toBe(200);
    expect(rateLimitOf(user)).toMatchObject({ limit: 20, remaining: 19, policy: '100;w=1, 20;w=60' });
  });

  it("throttles each consumer on its own: one spending its whole tier leaves the other's untouched", async () => {
    for (let call = 0; call < 3; call += 1) {
      expect((await services(stack.webUrl, withKey(KEYS.bronze))).status).toBe(200);
    }
    const refused = await services(stack.webUrl, withKey(KEYS.bronze));
    await expectProblem(refused, 429);
    expect(retryAfterOf(refused)).toBeGreaterThanOrEqual(1);

    const gold = await services(stack.webUrl, withKey(KEYS.gold));
    expect(gold.status).toBe(200);
    expect(rateLimitOf(gold)).toMatchObject({ limit: 8, remaining: 7 });

    // An API key with the admin role reads the counters too (and spends one more unit of its own).
    const standing = await fetch(`${stack.webUrl}/admin/rate-limits?key=consumer:bronze-ops`, {
      headers: withKey(KEYS.gold),
    });
    expect(standing.status).toBe(200);
    expect((await standing.json()).windows[1]).toMatchObject({
      name: 'sustained',
      limit: 3,
      used: 4,
      remaining: 0,
      blocked: true,
    });
  });

  it('answers a lookup of a consumer no API key names with a 404, and of a user id no token could carry with a 400', async () => {
    const lookup = (key: string): Promise<Response> =>
      fetch(`${stack.webUrl}/admin/rate-limits?key=${key}`, { headers: withKey(KEYS.gold) });

    await expectProblem(await lookup('consumer:bronze-opps'), 404);
    await expectProblem(await lookup('user:..'), 400);
  });

  it('refuses a wrong API key with a 401 problem and an ApiKey challenge, before counting anything', async () => {
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      const response = await services(base, withKey(newKey()));
      expect(response.headers.get('www-authenticate')).toMatch(/^ApiKey /);
      expect(rateLimitHeaderNames(response)).toEqual([]);
      await expectProblem(response, 401);
    }
  });

  it("refuses a consumer on the routes of users' own data with a 403 problem, spending none of its limits", async () => {
    const headers = withKey(KEYS.reporting);
    for (const [base, path] of [
      [stack.mobileUrl, '/mobile/profile'],
      [stack.mobileUrl, '/mobile/orders'],
      [stack.webUrl, '/web/orders'],
      [stack.webUrl, '/web/dashboard'],
    ]) {
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const response = await fetch(`${base}${path}`, { headers });
        expect(rateLimitHeaderNames(response)).toEqual([]);
        const problem = await expectProblem(response, 403);
        expect(problem.detail).toBe(
          'This route serves signed-in users; API consumers have no user data here.',
        );
      }
    }
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      const standing = await (
        await fetch(`${base}/admin/rate-limits?key=consumer:reporting`, { headers: adminHeaders('ops-view') })
      ).json();
      expect(standing.windows.map((window: { used: number }) => window.used)).toEqual([0, 0]);
    }
  });

  it('refuses a consumer without the admin role on every admin route with a 403 problem', async () => {
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      const headers = withKey(KEYS.reporting);
      await expectProblem(await fetch(`${base}/admin/services`, { headers }), 403);
      await expectProblem(await fetch(`${base}/admin/rate-limits?key=user:u1`, { headers }), 403);
      await expectProblem(
        await fetch(`${base}/admin/cache/invalidate`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ userId: 'u1' }),
        }),
        403,
      );
    }
  });
});
