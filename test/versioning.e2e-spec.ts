import { demoOrderPage, demoPreferences, demoUser } from '../apps/demo-services/src/demo-data.js';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

describe('versions of /mobile/profile', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ CACHE_ENABLED: 'true' });
  });
  afterAll(() => stack.close());

  const profile = (version?: string): Promise<Response> =>
    fetch(`${stack.mobileUrl}/mobile/profile`, {
      headers: { ...bearer('u1'), ...(version === undefined ? {} : { 'x-api-version': version }) },
    });

  it('serves the old shape to app builds that send no version, an empty one, or ask for 1', async () => {
    for (const answer of [await profile(), await profile(''), await profile('  '), await profile('1')]) {
      expect(answer.status).toBe(200);
      const body = await answer.json();
      expect(Object.keys(body).sort()).toEqual(['meta', 'preferences', 'recentOrders', 'user']);
      expect(body.user.name).toBe(demoUser('u1').name);
    }
  });

  it('serves the new shape to builds that ask for 2, from its own cache entry', async () => {
    await profile();
    const answer = await profile('2');
    expect(answer.status).toBe(200);
    const body = await answer.json();
    const preferences = demoPreferences('u1');
    const page = demoOrderPage({ userId: 'u1', limit: 3, position: 0, status: undefined });
    expect(body.user).toEqual({
      id: 'u1',
      displayName: demoUser('u1').name,
      avatarUrl: demoUser('u1').avatarUrl,
      tier: demoUser('u1').tier,
    });
    expect(body.orders.recent.map((order: { id: string }) => order.id)).toEqual(
      page.items.map((order) => order.id),
    );
    expect(body.orders.hasMore).toBe(page.nextCursor !== null);
    expect(body.settings).toEqual({
      language: preferences.language,
      theme: preferences.theme,
      notifications: preferences.notifications,
    });
    expect(body.meta.degraded).toEqual([]);
    // Sections are named by the answer's own top-level fields.
    expect(Object.keys(body.meta.sections).sort()).toEqual(['orders', 'settings', 'user']);
  });

  it("tells browser caches that each version's answer is kept apart, while the dashboard varies by caller only", async () => {
    for (const answer of [await profile(), await profile('2')]) {
      expect(answer.headers.get('vary')).toBe('Authorization, X-Api-Version');
    }
    const dashboard = await fetch(`${stack.webUrl}/web/dashboard`, { headers: bearer('u1') });
    expect(dashboard.headers.get('vary')).toBe('Authorization');
  });

  it('answers a version that does not exist with a 404 problem naming the versions there are', async () => {
    const problem = await expectProblem(await profile('9'), 404);

    expect(problem.detail).toBe('This route has no such version: it answers versions 1, 2.');
  });

  it('leaves routes with one version alone whatever version is asked', async () => {
    const answer = await fetch(`${stack.mobileUrl}/mobile/orders`, {
      headers: { ...bearer('u1'), 'x-api-version': '2' },
    });
    expect(answer.status).toBe(200);
  });
});
