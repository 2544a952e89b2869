import { demoOrders, demoUser } from '../apps/demo-services/src/demo-data.js';
import { FakeUpstream } from './support/fake-upstream.js';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

describe('what crosses the boundary to upstreams', () => {
  let users: FakeUpstream;
  let orders: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    users = await FakeUpstream.start();
    orders = await FakeUpstream.start();
    stack = await startStack({
      USER_SERVICE_URL: users.url,
      ORDER_SERVICE_URL: orders.url,
      // Far beyond any wait below: a call that ends early was ended by the client leaving, not by a timeout.
      ORDER_SERVICE_TIMEOUT_MS: '10000',
      AGGREGATE_DEADLINE_MS: '10000',
      // The faults below add up: the user service's breaker must not open and fail later tests fast.
      USER_SERVICE_BREAKER_CONSECUTIVE_FAILURES: '1000',
      USER_SERVICE_BREAKER_FAILURE_RATE: '1',
    });
  });
  afterAll(async () => {
    await stack.close();
    await users.close();
    await orders.close();
  });
  beforeEach(() => {
    users.received.length = 0;
    users.respond(() => ({ kind: 'json', body: demoUser('u1') }));
    orders.respond(() => ({ kind: 'json', body: { items: [], nextCursor: null } }));
  });

  const profile = (sub: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${stack.mobileUrl}/mobile/profile`, {
      ...init,
      headers: { ...bearer(sub), ...(init.headers as object) },
    });

  it('passes the request id and a traceparent of the same trace to every upstream call', async () => {
    const response = await profile('u1', {
      headers: {
        'x-request-id': 'trace-me-1',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    });
    expect(response.status).toBe(200);
    const sent = users.received[0].headers;
    expect(sent['x-request-id']).toBe('trace-me-1');
    expect(sent.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(sent.traceparent).not.toContain('00f067aa0ba902b7');
  });

  it('tells the upstream how long it has left to answer', async () => {
    await profile('u1');
    const budget = Number(users.received[0].headers['x-request-timeout-ms']);
    expect(budget).toBeGreaterThan(0);
    expect(budget).toBeLessThanOrEqual(stack.config.services.user.timeoutMs);
  });

  it('encodes the user id, and never sends a dot segment that would climb to another upstream path', async () => {
    users.respond(() => ({ kind: 'json', status: 404, body: {} }));
    await profile('..');
    await profile('.');
    await profile('a:b@c');
    expect(users.received.map((request) => request.url)).toEqual(['/users/a%3Ab%40c']);
  });

  it('answers 502 when the upstream sends a user of the wrong shape, and passes none of it on', async () => {
    users.respond(() => ({ kind: 'json', body: { id: 'u1', secretInternalField: 'x' } }));
    const body = await expectProblem(await profile('u1'), 502);
    expect(JSON.stringify(body)).not.toContain('secretInternalField');
  });

  it('answers 502 when the upstream sends a body that is not JSON', async () => {
    users.respond(() => ({ kind: 'text', body: '{"id": "u1", "name": ' }));
    await expectProblem(await profile('u1'), 502);
  });

  it('answers 502 when the upstream answers with bytes that are not HTTP, and counts it against the instance', async () => {
    users.respond(() => ({ kind: 'raw', bytes: 'HELLO THIS IS NOT HTTP\r\n\r\n' }));
    await expectProblem(await profile('u1'), 502);
    const admin = { authorization: `Bearer ${mintToken({ sub: 'ops', roles: ['admin'] })}` };
    const { services } = await (await fetch(`${stack.mobileUrl}/admin/services`, { headers: admin })).json();
    expect(services[0].instances[0].consecutiveFailures).toBeGreaterThan(0);
  });

  it("answers 502, not 404, when the order service says a user's order list does not exist", async () => {
    orders.respond(() => ({ kind: 'json', status: 404, body: { error: 'no such route' } }));
    const body = await expectProblem(
      await fetch(`${stack.webUrl}/web/orders`, { headers: bearer('u1') }),
      502,
    );
    expect(body.detail).toBe('The order service sent an answer the gateway cannot use.');
  });

  it("never passes on, nor keeps, another user's data an upstream mixed up", async () => {
    users.respond(() => ({ kind: 'json', body: demoUser('u2') }));
    await expectProblem(await profile('u1'), 502);

    users.respond(() => ({ kind: 'json', body: demoUser('u1') }));
    const [order] = demoOrders('u2');
    expect(order).toBeDefined();
    orders.respond(() => ({ kind: 'json', body: { items: [order], nextCursor: null } }));
    await expectProblem(await fetch(`${stack.webUrl}/web/orders`, { headers: bearer('u1') }), 502);
    const body = await (await profile('u1')).json();
    expect(body.recentOrders).toEqual([]);
    expect(body.meta.sections.recentOrders.status).toBe('error');
  });

  it('never answers an order detail with another order than the one asked for', async () => {
    const [asked, other] = demoOrders('u1');
    orders.respond(() => ({ kind: 'json', body: other }));

    await expectProblem(
      await fetch(`${stack.webUrl}/web/orders/${asked.id}`, { headers: bearer('u1') }),
      502,
    );
    await expectProblem(
      await fetch(`${stack.mobileUrl}/mobile/orders/${asked.id}`, { headers: bearer('u1') }),
      502,
    );
  });

  it('refuses a page of orders longer than the page asked for, rather than relaying a whole history as one page', async () => {
    const history = demoOrders('u8');
    expect(history.length).toBeGreaterThan(50);
    orders.respond(() => ({ kind: 'json', body: { items: history, nextCursor: null } }));

    await expectProblem(await fetch(`${stack.webUrl}/web/orders?limit=5`, { headers: bearer('u8') }), 502);
    await expectProblem(await fetch(`${stack.mobileUrl}/mobile/orders`, { headers: bearer('u8') }), 502);
    users.respond(() => ({ kind: 'json', body: demoUser('u8') }));
    const body = await (await profile('u8')).json();
    expect(body.recentOrders).toEqual([]);
    expect(body.meta.sections.recentOrders.status).toBe('error');

    orders.respond(() => ({ kind: 'json', body: { items: history.slice(0, 5), nextCursor: null } }));
    expect((await fetch(`${stack.webUrl}/web/orders?limit=5`, { headers: bearer('u8') })).status).toBe(200);
  });

  it('answers 503 when the upstream resets the connection', async () => {
    users.respond(() => ({ kind: 'reset' }));
    await expectProblem(await profile('u1'), 503);
  });

  it('answers 502 when the upstream fails with a 500', async () => {
    users.respond(() => ({ kind: 'json', status: 500, body: { error: 'boom at db.internal:5432' } }));
    const body = await expectProblem(await profile('u1'), 502);
    expect(JSON.stringify(body)).not.toContain('db.internal');
  });

  it('aborts the upstream calls still running when the client goes away', async () => {
    orders.respond(() => ({ kind: 'hang' }));
    const before = orders.abandoned;
    const client = new AbortController();
    const request = profile('u1', { signal: client.signal }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 150));
    client.abort();
    await request;
    await vi.waitFor(() => expect(orders.abandoned).toBe(before + 1), { timeout: 1000 });
  });
});
