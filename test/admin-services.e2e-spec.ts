import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

describe('admin view of the upstream services', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const admin = { authorization: `Bearer ${mintToken({ sub: 'ops-1', roles: ['admin'] })}` };

  it('lists every service with its breaker and instances for an admin, on both BFFs', async () => {
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      const response = await fetch(`${base}/admin/services`, { headers: admin });
      expect(response.status).toBe(200);
      const { services } = await response.json();
      expect(services.map((service: { service: string }) => service.service)).toEqual([
        'user',
        'order',
        'preference',
      ]);
      expect(services[1]).toMatchObject({
        breaker: 'closed',
        inFlight: 0,
        instances: [
          { url: stack.demo.urls.order, weight: 1, ejected: false, inFlight: 0, consecutiveFailures: 0 },
        ],
      });
    }
  });

  it('shows the calls and errors it has seen of an instance', async () => {
    await fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer('u1') });
    const { services } = await (await fetch(`${stack.mobileUrl}/admin/services`, { headers: admin })).json();
    expect(services[0].instances[0].recentCalls).toBeGreaterThan(0);
    expect(services[0].instances[0].recentErrorRate).toBe(0);
  });

  it('says the rate limits are not enforced when throttling is off, rather than show limits nobody applies', async () => {
    const response = await fetch(`${stack.mobileUrl}/admin/rate-limits?key=user:u1`, { headers: admin });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ key: 'user:u1', enforced: false });
  });

  it('refuses a signed-in user without the admin role with 403', async () => {
    await expectProblem(await fetch(`${stack.mobileUrl}/admin/services`, { headers: bearer('u1') }), 403);
  });

  it('refuses an anonymous caller with 401', async () => {
    await expectProblem(await fetch(`${stack.webUrl}/admin/services`), 401);
  });
});
