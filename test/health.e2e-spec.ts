import { FakeUpstream } from './support/fake-upstream.js';
import { demoUserAnswer } from './support/mobile-profile.fixture.js';
import { redisEnv, sharedRedisUrl } from './support/redis.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

/** Probe results are shared for two seconds; past that a check probes again. */
const PROBE_REUSE_MS = 2100;

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
        pausedForMs: 0,
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
    await new Promise((resolve) => setTimeout(resolve, PROBE_REUSE_MS));
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

describe('health of upstreams that are not the demo services', () => {
  let users: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    users = await FakeUpstream.start();
    stack = await startStack({ USER_SERVICE_URL: users.url, USER_SERVICE_HEALTH_PATH: '/status/live' });
  });
  afterAll(async () => {
    try {
      await stack.close();
    } finally {
      await users.close();
    }
  });

  const userServiceHealth = async (): Promise<Record<string, unknown>> => {
    await new Promise((resolve) => setTimeout(resolve, PROBE_REUSE_MS));
    const body = await (await fetch(`${stack.mobileUrl}/health`)).json();
    return body.details['user-service'];
  };

  it('reports up a service that answers its calls but has no health route, probing the path it is given', async () => {
    users.respond((request) =>
      request.url?.startsWith('/users/') === true
        ? demoUserAnswer(request)
        : { kind: 'json', status: 404, body: { error: 'not found' } },
    );
    expect(await userServiceHealth()).toMatchObject({ status: 'up', instancesUp: 1 });
    expect(users.received.map((request) => request.url)).toContain('/status/live');
    expect(users.received.map((request) => request.url)).not.toContain('/health');
  });

  it('reports down an instance whose probe gets a server error', async () => {
    users.respond(() => ({ kind: 'json', status: 503, body: { error: 'starting' } }));
    expect(await userServiceHealth()).toMatchObject({ status: 'degraded', instancesUp: 0 });
  });

  it('reports degraded, with the time left, a service that asked for a pause with 429 and Retry-After', async () => {
    users.respond((request) =>
      request.url?.startsWith('/users/') === true
        ? { kind: 'json', status: 429, body: { error: 'slow down' }, headers: { 'retry-after': '20' } }
        : { kind: 'json', status: 200, body: { status: 'ok' } },
    );
    expect((await fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer('h1') })).status).toBe(503);
    const health = await userServiceHealth();
    expect(health).toMatchObject({ status: 'degraded', instancesUp: 1, breaker: 'closed' });
    expect(health.pausedForMs).toBeGreaterThan(10_000);
  });
});

describe.skipIf(sharedRedisUrl === undefined)(
  'health over a REDIS_URL naming a database Redis does not have',
  () => {
    let stack: Stack;

    beforeAll(async () => {
      const url = new URL(sharedRedisUrl as string);
      url.pathname = '/9999';
      stack = await startStack({ ...redisEnv(url.toString()), CACHE_ENABLED: 'true' });
    });
    afterAll(() => stack.close());

    it('reports Redis down and says why: the configuration, not an outage to wait out', async () => {
      const response = await fetch(`${stack.mobileUrl}/health`);

      expect(response.status).toBe(503);
      const body = (await response.json()) as { details: { redis: Record<string, unknown> } };
      expect(body.details.redis).toMatchObject({
        status: 'down',
        reason: 'REDIS_URL names a database this Redis does not have',
      });
    });
  },
);
