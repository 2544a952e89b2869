import { expectProblem } from './support/problem.js';
import { deleteKeysWithPrefix, redisEnv, sharedRedisUrl, untilRedisIsUp } from './support/redis.js';
import { startStack, type Stack } from './support/stack.js';
import { rateLimitOf, retryAfterOf } from './support/throttling.js';
import { bearer } from './support/tokens.js';

/*
 * The cached aggregates take the rate limit's verdict in their handler,
 * beside their cache lookup, rather than in the guard: a caller past their
 * limit must still get the 429 and nothing else, in memory and with Redis.
 * The sustained window holds two profiles (three units each) and nothing
 * more; the burst window never binds.
 */

const LIMITS = {
  THROTTLE_ENABLED: 'true',
  CACHE_ENABLED: 'true',
  THROTTLE_BURST_LIMIT: '1000',
  THROTTLE_SUSTAINED_LIMIT: '6',
  THROTTLE_SUSTAINED_WINDOW_MS: '60000',
};

const flavours = [
  { name: 'in memory', env: (): Record<string, string> => ({}) },
  ...(sharedRedisUrl === undefined
    ? []
    : [{ name: 'in Redis', env: (): Record<string, string> => redisEnv(sharedRedisUrl ?? '') }]),
];

describe.each(flavours)('a cached aggregate for a caller past their rate limit, counted $name', ({ env }) => {
  const flavourEnv = env();
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ ...flavourEnv, ...LIMITS });
    if (flavourEnv.REDIS_URL !== undefined) {
      await untilRedisIsUp(stack);
    }
  });
  afterAll(async () => {
    await stack.close();
    if (flavourEnv.REDIS_URL !== undefined) {
      await deleteKeysWithPrefix(flavourEnv.REDIS_URL, flavourEnv.REDIS_KEY_PREFIX);
    }
  });

  const profile = (sub: string): Promise<Response> =>
    fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer(sub) });
  const upstreamCalls = (): number =>
    stack.demo.faults.user.requestCount() +
    stack.demo.faults.order.requestCount() +
    stack.demo.faults.preference.requestCount();

  it('refuses with a 429 rather than serve the answer the cache holds for them', async () => {
    const first = await profile('cached-refusal');
    expect(first.headers.get('x-cache')).toBe('miss');
    const second = await profile('cached-refusal');
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(rateLimitOf(second).remaining).toBe(0);

    const refused = await profile('cached-refusal');
    const problem = await expectProblem(refused, 429);
    expect(problem).not.toHaveProperty('user');
    expect(retryAfterOf(refused)).toBeGreaterThan(0);
    expect(refused.headers.get('x-cache')).toBeNull();
    expect(refused.headers.get('etag')).toBeNull();
  });

  it('refuses an answer nothing is cached for without calling any upstream, and serves the next caller in full', async () => {
    // The limit spent on the order history, one unit a page: none of the profile's sections is cached.
    for (let page = 0; page < 6; page += 1) {
      expect(
        (await fetch(`${stack.mobileUrl}/mobile/orders`, { headers: bearer('uncached-refusal') })).status,
      ).toBe(200);
    }
    const before = upstreamCalls();

    await expectProblem(await profile('uncached-refusal'), 429);
    expect(upstreamCalls()).toBe(before);

    const other = await profile('next-caller');
    expect(other.status).toBe(200);
    expect(other.headers.get('x-cache')).toBe('miss');
    expect(upstreamCalls()).toBe(before + 3);
  });
});
