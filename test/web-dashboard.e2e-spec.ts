import {
  DEMO_USER_WITHOUT_ORDERS,
  demoOrderPage,
  demoPreferences,
  demoUser,
} from '../apps/demo-services/src/demo-data.js';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

describe('GET /web/dashboard', () => {
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

  const dashboard = (sub: string): Promise<Response> =>
    fetch(`${stack.webUrl}/web/dashboard`, { headers: bearer(sub) });

  it('returns the full user, the first page of orders, the full preferences and stats', async () => {
    const response = await dashboard('u9');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-response-complete')).toBe('true');
    const body = await response.json();
    const page = demoOrderPage({ userId: 'u9', limit: 20, position: 0, status: undefined });
    const { userId: _userId, ...preferences } = demoPreferences('u9');
    expect(body.user).toEqual(demoUser('u9'));
    expect(body.orders.items.map((order: { id: string }) => order.id)).toEqual(
      page.items.map((order) => order.id),
    );
    expect(body.orders.nextCursor).toBe(page.nextCursor);
    expect(body.preferences).toEqual(preferences);
    expect(body.stats.recentOrderCount).toBe(page.items.length);
    expect(body.meta).toEqual({
      degraded: [],
      sections: { user: { status: 'ok' }, orders: { status: 'ok' }, preferences: { status: 'ok' } },
    });
  });

  it('tells "no orders" apart from "orders unavailable"', async () => {
    const empty = await (await dashboard(DEMO_USER_WITHOUT_ORDERS)).json();
    expect(empty.orders.items).toEqual([]);
    expect(empty.meta.sections.orders).toEqual({ status: 'ok' });
    expect(empty.stats).toEqual({ recentOrderCount: 0, openOrderCount: 0, recentSpend: null });

    stack.demo.faults.order.set({ errorRate: 1 });
    const unavailable = await (await dashboard('u9')).json();
    expect(unavailable.orders.items).toEqual([]);
    expect(unavailable.meta.sections.orders).toEqual({ status: 'error' });
    expect(unavailable.meta.degraded).toEqual(['orders']);
    expect(unavailable.stats).toBeNull();
  });

  it('answers within the deadline, preferences flagged as timed out, when the preference service hangs', async () => {
    stack.demo.faults.preference.set({ hang: true });
    const response = await dashboard('u9');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.preferences).toBeNull();
    expect(body.meta.sections.preferences).toEqual({ status: 'timeout' });
    expect(response.headers.get('x-response-complete')).toBe('false');
  });

  it('answers 503 when the user service is down', async () => {
    stack.demo.faults.user.set({ down: true });
    await expectProblem(await dashboard('u9'), 503);
  });
});
