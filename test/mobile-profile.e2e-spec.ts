import {
  demoOrderPage,
  demoPreferences,
  demoUser,
  DEMO_MISSING_USER,
} from '../apps/demo-services/src/demo-data.js';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

describe('GET /mobile/profile', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  afterEach(() => {
    for (const faults of Object.values(stack.demo.faults)) {
      faults.reset();
    }
  });

  const profile = (sub: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${stack.mobileUrl}/mobile/profile`, { headers: { ...bearer(sub), ...headers } });

  it('returns the signed-in user, their three newest orders and their preferences in one answer', async () => {
    const response = await profile('u1');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-response-complete')).toBe('true');
    const user = demoUser('u1');
    const newest = demoOrderPage({ userId: 'u1', limit: 3, position: 0, status: undefined }).items;
    const preferences = demoPreferences('u1');
    expect(await response.json()).toEqual({
      user: { id: 'u1', name: user.name, avatarUrl: user.avatarUrl, tier: user.tier },
      recentOrders: newest.map((order) => ({
        id: order.id,
        status: order.status,
        total: order.total,
        placedAt: order.createdAt,
        itemCount: order.lines.reduce((sum, line) => sum + line.qty, 0),
      })),
      preferences: {
        language: preferences.language,
        theme: preferences.theme,
        pushEnabled: preferences.notifications.push,
      },
      meta: {
        degraded: [],
        sections: { user: { status: 'ok' }, recentOrders: { status: 'ok' }, preferences: { status: 'ok' } },
      },
    });
  });

  it('serves a degraded profile without orders when the order service is down', async () => {
    stack.demo.faults.order.set({ down: true });
    const response = await profile('u2');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-response-complete')).toBe('false');
    const body = await response.json();
    expect(body.recentOrders).toEqual([]);
    expect(body.user.id).toBe('u2');
    expect(body.meta.degraded).toEqual(['recentOrders']);
    expect(body.meta.sections.recentOrders).toEqual({ status: 'error' });
  });

  it('serves neutral preferences, flagged, when the preference service sends garbage', async () => {
    stack.demo.faults.preference.set({ malformed: true });
    const response = await profile('u3');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.preferences).toEqual({ language: 'en', theme: 'system', pushEnabled: false });
    expect(body.meta.degraded).toEqual(['preferences']);
  });

  it('answers 404 when the signed-in user does not exist', async () => {
    const body = await expectProblem(await profile(DEMO_MISSING_USER), 404);
    expect(body.detail).toBe('The user does not exist.');
  });

  it('answers 503 when the user service is down', async () => {
    stack.demo.faults.user.set({ down: true });
    await expectProblem(await profile('u4'), 503);
  });

  it('answers 502 when the user service sends a body that is not a user', async () => {
    stack.demo.faults.user.set({ malformed: true });
    await expectProblem(await profile('u4'), 502);
    await expectProblem(await profile('u4'), 502);
  });

  it('answers 504 when the user service is slower than the deadline', async () => {
    stack.demo.faults.user.set({ latencyMs: stack.config.http.aggregateDeadlineMs + 1000 });
    await expectProblem(await profile('u5'), 504);
  });

  it('answers 504 when the user service hangs', async () => {
    stack.demo.faults.user.set({ hang: true });
    await expectProblem(await profile('u6'), 504);
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await profile('u1', { 'x-request-id': 'client-chosen-id.42' });
    expect(kept.headers.get('x-request-id')).toBe('client-chosen-id.42');
    const replaced = await profile('u1', { 'x-request-id': 'has spaces and <angle> brackets' });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
