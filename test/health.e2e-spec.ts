import { startStack, type Stack } from './support/stack.js';

describe('health endpoints', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  afterEach(() => stack.demo.faults.order.reset());

  it('answers /health without a token on both BFFs, upstreams reported up', async () => {
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      const response = await fetch(`${base}/health`);
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.status).toBe('ok');
      expect(body.details['user-service']).toEqual({
        status: 'up',
        breaker: 'closed',
        instances: 1,
        instancesUp: 1,
        ejected: 0,
        inFlight: 0,
      });
      expect(body.details['order-service'].status).toBe('up');
      expect(body.details['preference-service'].status).toBe('up');
    }
  });

  it('stays live while an upstream is down, and reports the outage in the details', async () => {
    stack.demo.faults.order.set({ down: true });
    const live = await fetch(`${stack.mobileUrl}/health/live`);
    expect(live.status).toBe(200);
    expect((await live.json()).status).toBe('ok');

    // Probe results are shared for a moment; wait them out so this check sees the outage.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const overall = await fetch(`${stack.webUrl}/health`);
    expect(overall.status).toBe(200);
    const body = await overall.json();
    expect(body.status).toBe('degraded');
    expect(body.details['order-service']).toMatchObject({ status: 'degraded', instances: 1, instancesUp: 0 });
  });

  it('is ready to take traffic while serving, under either name orchestrators use', async () => {
    for (const path of ['/health/ready', '/health/readiness', '/health/live', '/health/liveness']) {
      expect((await fetch(`${stack.mobileUrl}${path}`)).status).toBe(200);
    }
  });

  it('does not show upstream hosts to anonymous callers', async () => {
    const text = await (await fetch(`${stack.mobileUrl}/health`)).text();
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|http:/);
  });
});
