import { setTimeout as sleep } from 'node:timers/promises';
import { expectProblem } from './support/problem.js';
import { deleteKeysWithPrefix, redisEnv, sharedRedisUrl, untilRedisIsUp } from './support/redis.js';
import { startStack, type Stack } from './support/stack.js';
import {
  adminHeaders,
  alternate,
  rateLimitOf,
  retryAfterOf,
  startMobileReplica,
  untilRedisIsUpAt,
  type Replica,
} from './support/throttling.js';
import { bearer } from './support/tokens.js';

/*
 * Two replicas of the mobile BFF (the stack's and one more on the same
 * config) counting in the shared Redis under a key prefix of this run's
 * own. Every test counts as a caller of its own.
 */

interface Replicas {
  stack: Stack;
  replica: Replica;
  /** The two mobile-bff instances, the stack's first. */
  bases: [string, string];
  close(): Promise<void>;
}

async function startReplicas(limits: Record<string, string>): Promise<Replicas> {
  const env = redisEnv(sharedRedisUrl ?? '');
  const stack = await startStack({ ...env, THROTTLE_ENABLED: 'true', ...limits });
  const replica = await startMobileReplica(stack);
  await untilRedisIsUp(stack);
  await untilRedisIsUpAt([replica.url]);
  return {
    stack,
    replica,
    bases: [stack.mobileUrl, replica.url],
    close: async () => {
      try {
        await replica.close();
        await stack.close();
      } finally {
        await deleteKeysWithPrefix(env.REDIS_URL, env.REDIS_KEY_PREFIX);
      }
    },
  };
}

describe.skipIf(sharedRedisUrl === undefined)('two instances sharing rate limits in Redis', () => {
  const LIMIT = 10;
  let replicas: Replicas | undefined;

  beforeAll(async () => {
    replicas = await startReplicas({
      THROTTLE_BURST_LIMIT: '1000',
      THROTTLE_SUSTAINED_LIMIT: String(LIMIT),
      THROTTLE_SUSTAINED_WINDOW_MS: '10000',
    });
  });
  afterAll(() => replicas?.close());

  const bases = (): [string, string] => {
    if (replicas === undefined) {
      throw new Error('the suite did not start');
    }
    return replicas.bases;
  };

  it('enforces one combined limit: requests alternating between the instances get the limit once, not once each', async () => {
    const answers = await alternate(bases(), LIMIT + 6, (base) =>
      fetch(`${base}/admin/services`, { headers: adminHeaders('ops-shared') }),
    );
    const allowed = answers.filter((answer) => answer.status === 200);
    // One over at most: a Redis command that times out under load lets that request be counted in memory.
    expect(allowed.length).toBeGreaterThanOrEqual(LIMIT);
    expect(allowed.length).toBeLessThanOrEqual(LIMIT + 1);
    for (const base of bases()) {
      expect(allowed.filter((answer) => answer.base === base).length).toBeGreaterThan(0);
    }
    expect(answers.slice(-4).map((answer) => answer.status)).toEqual([429, 429, 429, 429]);
  });

  it('tells a caller on one instance what it already spent on the other', async () => {
    const [first, second] = bases();
    expect(rateLimitOf(await fetch(`${first}/mobile/profile`, { headers: bearer('spender') }))).toMatchObject(
      {
        limit: LIMIT,
        remaining: LIMIT - 3,
      },
    );
    expect(
      rateLimitOf(await fetch(`${second}/mobile/profile`, { headers: bearer('spender') })),
    ).toMatchObject({ limit: LIMIT, remaining: LIMIT - 6 });

    const standing = await fetch(`${first}/admin/rate-limits?key=user:spender`, {
      headers: adminHeaders('ops-view'),
    });
    const body = await standing.json();
    expect(body.countedBy).toBe('every-instance');
    expect(body.windows[1]).toMatchObject({
      name: 'sustained',
      limit: LIMIT,
      used: 6,
      remaining: LIMIT - 6,
      blocked: false,
    });
  });
});

describe.skipIf(sharedRedisUrl === undefined)('burst and sustained windows in Redis', () => {
  let replicas: Replicas | undefined;

  beforeAll(async () => {
    replicas = await startReplicas({
      THROTTLE_BURST_LIMIT: '3',
      THROTTLE_BURST_WINDOW_MS: '1000',
      THROTTLE_SUSTAINED_LIMIT: '5',
      THROTTLE_SUSTAINED_WINDOW_MS: '60000',
    });
  });
  afterAll(() => replicas?.close());

  const bases = (): [string, string] => {
    if (replicas === undefined) {
      throw new Error('the suite did not start');
    }
    return replicas.bases;
  };
  const services = (base: string, sub: string): Promise<Response> =>
    fetch(`${base}/admin/services`, { headers: adminHeaders(sub) });

  it('refuses the fourth request within the second on either instance, then the sixth for the sustained window though the burst has room again', async () => {
    const [first, second] = bases();
    for (const base of [first, second, first]) {
      const response = await services(base, 'ops-windows');
      expect(response.status).toBe(200);
      expect(rateLimitOf(response).policy).toBe('3;w=1, 5;w=60');
    }
    const burstRefusal = await services(second, 'ops-windows');
    await expectProblem(burstRefusal, 429);
    expect(retryAfterOf(burstRefusal)).toBe(1);

    // A blocked request spends nothing, so polling costs no units until the one that gets through.
    await vi.waitFor(
      async () => {
        expect((await services(second, 'ops-windows')).status).toBe(200);
      },
      { timeout: 3_000, interval: 100 },
    );
    expect(rateLimitOf(await services(first, 'ops-windows')).remaining).toBe(0);

    const sustainedRefusal = await services(second, 'ops-windows');
    await expectProblem(sustainedRefusal, 429);
    expect(retryAfterOf(sustainedRefusal)).toBeGreaterThan(50);
    await expectProblem(await services(first, 'ops-windows'), 429);
  });

  it('refuses a caller on every instance once one has blocked it, and serves it again after the Retry-After it was given', async () => {
    const [first, second] = bases();
    for (let call = 0; call < 3; call += 1) {
      expect((await services(first, 'ops-retry')).status).toBe(200);
    }
    const refused = await services(first, 'ops-retry');
    await expectProblem(refused, 429);
    const retryAfter = retryAfterOf(refused);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    await expectProblem(await services(second, 'ops-retry'), 429);

    // The point of the test is the client's own wait: exactly what Retry-After asked for.
    await sleep(retryAfter * 1000);
    expect((await services(second, 'ops-retry')).status).toBe(200);
  });
});

describe.skipIf(sharedRedisUrl === undefined)(
  'a caller far from its limits, with instances leasing units ahead',
  () => {
    const BURST = 100_000;
    let replicas: Replicas | undefined;

    beforeAll(async () => {
      replicas = await startReplicas({
        THROTTLE_BURST_LIMIT: String(BURST),
        THROTTLE_BURST_WINDOW_MS: '60000',
        THROTTLE_SUSTAINED_LIMIT: '10000000',
      });
    });
    afterAll(() => replicas?.close());

    it('tells the caller exactly what it spent on every answer from one instance, and shows an operator there the same', async () => {
      const [first, second] = replicas?.bases ?? [];
      const remaining: number[] = [];
      for (let call = 0; call < 30; call += 1) {
        const response = await fetch(`${first}/mobile/profile`, { headers: bearer('steady') });
        expect(response.status).toBe(200);
        remaining.push(rateLimitOf(response).remaining);
      }

      // An aggregate costs three units, whether the request was counted in Redis or on the instance's lease.
      expect(remaining).toEqual(Array.from({ length: 30 }, (_, call) => BURST - 3 * (call + 1)));
      const standing = await fetch(`${first}/admin/rate-limits?key=user:steady`, {
        headers: adminHeaders('ops-steady'),
      });
      expect((await standing.json()).windows[0]).toMatchObject({ name: 'burst', used: 90, blocked: false });

      // Another instance sees the units the first holds ahead as spent: at most one lease more.
      const elsewhere = await fetch(`${second}/admin/rate-limits?key=user:steady`, {
        headers: adminHeaders('ops-steady'),
      });
      const used = (await elsewhere.json()).windows[0].used;
      expect(used).toBeGreaterThanOrEqual(90);
      expect(used).toBeLessThanOrEqual(90 + 64);
    });
  },
);
