import { setTimeout as sleep } from 'node:timers/promises';
import { expectedProfile, readProfile } from './support/mobile-profile.fixture.js';
import { timed } from './support/process-faults.js';
import { PrivateRedis, redisEnv, sharedRedisUrl, untilRedisIsUp } from './support/redis.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

/*
 * A Redis crash and its restart, on a redis-server this suite owns (the
 * shared one is never killed). The tests run in order and share the state:
 * up, killed, restarted.
 */

/** Generous for one profile from the demo services: an answer held up by a dead Redis would take longer. */
const ANSWER_BOUND_MS = 1_000;

/**
 * A stack with the cache on, over a redis-server of the suite's own, for
 * the suite's tests (call it in a describe block); the returned function
 * hands them both, once started.
 */
function stackOnPrivateRedis(): () => { redis: PrivateRedis; stack: Stack } {
  let redis: PrivateRedis | undefined;
  let stack: Stack | undefined;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    stack = await startStack({ ...redisEnv(redis.url), CACHE_ENABLED: 'true' });
    await untilRedisIsUp(stack);
  });
  afterAll(async () => {
    // A test may leave its Redis stalled: a stopped process would not take the kill until resumed.
    redis?.resume();
    try {
      await stack?.close();
    } finally {
      await redis?.kill();
    }
  });
  return () => {
    if (redis === undefined || stack === undefined) {
      throw new Error('the suite did not start');
    }
    return { redis, stack };
  };
}

describe.skipIf(sharedRedisUrl === undefined)('the cache through a Redis crash and restart', () => {
  const running = stackOnPrivateRedis();
  const profile = (sub: string): Promise<Response> =>
    fetch(`${running().stack.mobileUrl}/mobile/profile`, { headers: bearer(sub) });
  const dashboard = (sub: string): Promise<Response> =>
    fetch(`${running().stack.webUrl}/web/dashboard`, { headers: bearer(sub) });
  const redisHealth = async (base: string): Promise<{ status: string }> =>
    ((await (await fetch(`${base}/health`)).json()) as { details: { redis: { status: string } } }).details
      .redis;

  /** How many times the user service is asked for `userId` when each instance serves them once. */
  const userCallsForBothInstances = async (userId: string): Promise<number> => {
    const { demo } = running().stack;
    demo.faults.user.resetCount();
    expect((await profile(userId)).status).toBe(200);
    expect((await dashboard(userId)).status).toBe(200);
    return demo.faults.user.requestCount();
  };

  it('shares a user loaded by one instance with the other while Redis is up', async () => {
    expect(await userCallsForBothInstances('k1')).toBe(1);
  });

  /** A preference change with an Idempotency-Key, made while Redis is up and repeated once it has crashed. */
  const keyedChange = (): Promise<Response> =>
    fetch(`${running().stack.webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer('k-keyed'), 'content-type': 'application/json', 'idempotency-key': 'k-keyed-1' },
      body: JSON.stringify({ theme: 'dark' }),
    });
  let firstAnswer: unknown;

  it('answers a change with an Idempotency-Key while Redis is up', async () => {
    const response = await keyedChange();
    expect(response.status).toBe(200);
    firstAnswer = await response.json();
  });

  it('answers every profile, complete and without waiting on Redis, after Redis crashes', async () => {
    await running().redis.kill();

    // Cached before the crash, then new users: a memory hit, and misses whose writes to Redis fail.
    for (const userId of ['k1', 'k2', 'k3', 'k2', 'k4', 'k5']) {
      const { value: response, ms } = await timed(() => profile(userId));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-response-complete')).toBe('true');
      expect(await readProfile(response)).toEqual(expectedProfile(userId));
      expect(ms).toBeLessThan(ANSWER_BOUND_MS);
    }
  });

  it('asks the upstreams again for a repeated profile while Redis is down, since no other instance can tell it of a change', async () => {
    const { demo } = running().stack;
    await profile('k6');
    demo.faults.user.resetCount();
    const again = await profile('k6');
    expect(again.headers.get('x-cache')).toBe('miss');
    expect(demo.faults.user.requestCount()).toBe(1);
  });

  it('replays a change made before the crash with its first answer, without sending it upstream again', async () => {
    const { demo } = running().stack;
    demo.faults.preference.resetCount();

    const again = await keyedChange();

    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(firstAnswer);
    expect(demo.faults.preference.requestCount()).toBe(0);
  });

  it('shows a preference change made through the web app in the next mobile profile while Redis is down', async () => {
    const { webUrl } = running().stack;
    const themeOf = async (response: Response): Promise<string> =>
      ((await response.json()) as { preferences: { theme: string } }).preferences.theme;
    const before = await themeOf(await profile('k7'));
    const theme = before === 'dark' ? 'light' : 'dark';

    const patched = await fetch(`${webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer('k7'), 'content-type': 'application/json' },
      body: JSON.stringify({ theme }),
    });
    expect(patched.status).toBe(200);

    expect(await themeOf(await profile('k7'))).toBe(theme);
  });

  it('stays live and ready while Redis is down, and /health names Redis as down', async () => {
    const { mobileUrl, webUrl } = running().stack;
    for (const base of [mobileUrl, webUrl]) {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(503);
      expect(health.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await health.json()) as { details: { redis: { status: string } } }).details.redis.status).toBe(
        'down',
      );
    }
  });

  it('shares entries between the instances again once Redis is back on its port', async () => {
    await running().redis.restart();
    // The instances reconnect by themselves, backing off to 2 s between attempts.
    let attempt = 0;
    await vi.waitFor(
      async () => {
        attempt += 1;
        expect(await userCallsForBothInstances(`k-back-${attempt}`)).toBe(1);
      },
      { timeout: 8_000, interval: 100 },
    );
    const { mobileUrl, webUrl } = running().stack;
    for (const base of [mobileUrl, webUrl]) {
      expect(await redisHealth(base)).toMatchObject({ status: 'up' });
    }
  });
});

describe.skipIf(sharedRedisUrl === undefined)('a preference change while Redis stalls', () => {
  const running = stackOnPrivateRedis();

  it('reaches the next preference read and the next profile once Redis answers again', async () => {
    const { redis, stack } = running();
    const { mobileUrl, webUrl } = stack;
    const userId = 'k-stall';
    const preferences = async (): Promise<{ theme: string }> =>
      (await fetch(`${webUrl}/web/preferences`, { headers: bearer(userId) })).json();
    const profileTheme = async (): Promise<string> =>
      (
        (await (await fetch(`${mobileUrl}/mobile/profile`, { headers: bearer(userId) })).json()) as {
          preferences: { theme: string };
        }
      ).preferences.theme;
    const before = (await preferences()).theme;
    expect(await profileTheme()).toBe(before);
    const theme = before === 'dark' ? 'light' : 'dark';

    // Stalled past the gateway's command timeout while the change goes through, then back with what it was sent.
    redis.stall();
    const patched = fetch(`${webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer(userId), 'content-type': 'application/json' },
      body: JSON.stringify({ theme }),
    });
    await sleep(300);
    redis.resume();
    expect((await patched).status).toBe(200);

    await vi.waitFor(
      async () => {
        expect((await preferences()).theme).toBe(theme);
        expect(await profileTheme()).toBe(theme);
      },
      { timeout: 8_000, interval: 250 },
    );
  });
});

describe.skipIf(sharedRedisUrl === undefined)('/health over a Redis that stops answering', () => {
  const running = stackOnPrivateRedis();
  const redisHealthOf = async (base: string): Promise<{ code: number; status: string }> => {
    const response = await fetch(`${base}/health`);
    const body = (await response.json()) as { details: { redis: { status: string } } };
    return { code: response.status, status: body.details.redis.status };
  };

  it('names a stalled Redis as down even on an instance sending it nothing, and as up once it answers again', async () => {
    const { redis, stack } = running();
    expect(await redisHealthOf(stack.mobileUrl)).toEqual({ code: 200, status: 'up' });

    redis.stall();
    try {
      expect(await redisHealthOf(stack.mobileUrl)).toEqual({ code: 503, status: 'down' });
    } finally {
      redis.resume();
    }
    await vi.waitFor(
      async () => expect(await redisHealthOf(stack.mobileUrl)).toEqual({ code: 200, status: 'up' }),
      {
        timeout: 8_000,
        interval: 250,
      },
    );
  });
});
