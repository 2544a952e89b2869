import { expectProblem } from './support/problem.js';
import { timed } from './support/process-faults.js';
import { PrivateRedis, redisEnv, sharedRedisUrl, untilRedisIsUp } from './support/redis.js';
import { startStack, type Stack } from './support/stack.js';
import {
  rateLimitHeaderNames,
  retryAfterOf,
  startMobileReplica,
  untilRedisIsUpAt,
  type Replica,
} from './support/throttling.js';
import { bearer, mintToken } from './support/tokens.js';

/*
 * A Redis crash and its restart under the rate limits, on a redis-server
 * each suite owns (the shared one is never killed). Two replicas of the
 * mobile BFF count a profile (three units) against a sustained limit of
 * three profiles; the burst never binds. The tests of a suite run in order
 * and share its state: up, killed, restarted.
 */

const PROFILES_PER_LIMIT = 3;
const LIMITS = {
  THROTTLE_ENABLED: 'true',
  THROTTLE_BURST_LIMIT: '1000',
  THROTTLE_SUSTAINED_LIMIT: String(3 * PROFILES_PER_LIMIT),
  THROTTLE_SUSTAINED_WINDOW_MS: '30000',
};

/** Generous for one answer from the demo services: one held up by a dead Redis would take longer. */
const ANSWER_BOUND_MS = 2_000;

interface Running {
  redis: PrivateRedis;
  stack: Stack;
  replica: Replica;
  bases: [string, string];
}

/** Starts a private Redis and two replicas on it; `afterAll` must call the returned `stop`. */
function crashableReplicas(env: Record<string, string>): { running(): Running; stop(): Promise<void> } {
  let redis: PrivateRedis | undefined;
  let stack: Stack | undefined;
  let replica: Replica | undefined;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    stack = await startStack({ ...redisEnv(redis.url), ...LIMITS, ...env });
    replica = await startMobileReplica(stack);
    await untilRedisIsUp(stack);
    await untilRedisIsUpAt([replica.url]);
  });

  return {
    running: () => {
      if (redis === undefined || stack === undefined || replica === undefined) {
        throw new Error('the suite did not start');
      }
      return { redis, stack, replica, bases: [stack.mobileUrl, replica.url] };
    },
    stop: async () => {
      try {
        await replica?.close();
        await stack?.close();
      } finally {
        await redis?.kill();
      }
    },
  };
}

async function profile(base: string, sub: string): Promise<{ response: Response; ms: number }> {
  const { value: response, ms } = await timed(async () => {
    const answer = await fetch(`${base}/mobile/profile`, { headers: bearer(sub) });
    // The whole answer, so the bound covers the body too.
    await answer.clone().arrayBuffer();
    return answer;
  });
  return { response, ms };
}

/** Statuses of profiles sent one after another, alternating over `bases`, each answered within the bound. */
async function profiles(bases: readonly string[], sub: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const { response, ms } = await profile(bases[index % bases.length], sub);
    expect(ms).toBeLessThan(ANSWER_BOUND_MS);
    statuses.push(response.status);
  }
  return statuses;
}

const allowed = (statuses: number[]): number => statuses.filter((status) => status === 200).length;

describe.skipIf(sharedRedisUrl === undefined)(
  'rate limits through a Redis crash, failing open (the default)',
  () => {
    const replicas = crashableReplicas({});
    afterAll(() => replicas.stop());

    it('shares one limit between the instances while Redis is up', async () => {
      const statuses = await profiles(replicas.running().bases, 'open-before', 2 * PROFILES_PER_LIMIT);
      expect(allowed(statuses)).toBe(PROFILES_PER_LIMIT);
    });

    it('keeps answering after Redis crashes, promptly and without a 5xx, each instance limiting on its own', async () => {
      const { redis, bases } = replicas.running();
      await redis.kill();

      for (const base of bases) {
        const statuses = await profiles([base], 'open-during', PROFILES_PER_LIMIT + 2);
        expect(statuses).toEqual([...Array<number>(PROFILES_PER_LIMIT).fill(200), 429, 429]);
      }
    });

    it('reports Redis down on /health while liveness and readiness stay up', async () => {
      for (const base of replicas.running().bases) {
        const health = await fetch(`${base}/health`);
        expect(rateLimitHeaderNames(health)).toEqual([]);
        // Terminus answers 503 for a down indicator, as a problem that keeps the indicators' details.
        const problem = await expectProblem(health, 503);
        expect(problem.details).toMatchObject({
          redis: { status: 'down' },
          'user-service': { status: 'up' },
        });
        expect((await fetch(`${base}/health/live`)).status).toBe(200);
        expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      }
    });

    it('shares one limit again once Redis is back on its port', async () => {
      const { redis, bases } = replicas.running();
      await redis.restart();
      // The instances reconnect by themselves, backing off to 2 s between attempts.
      await untilRedisIsUpAt(bases, 8_000);
      const statuses = await profiles(bases, 'open-after', 2 * PROFILES_PER_LIMIT);
      expect(allowed(statuses)).toBe(PROFILES_PER_LIMIT);
    });
  },
);

describe.skipIf(sharedRedisUrl === undefined)('rate limits through a Redis crash, failing closed', () => {
  const replicas = crashableReplicas({ THROTTLE_ON_REDIS_FAILURE: 'closed' });
  afterAll(() => replicas.stop());

  it('refuses throttled requests with a prompt 503 problem while Redis is down, and still answers health checks', async () => {
    const { redis, bases, stack } = replicas.running();
    await redis.kill();

    for (const base of bases) {
      for (let call = 0; call < 3; call += 1) {
        const { response, ms } = await profile(base, 'closed-during');
        expect(ms).toBeLessThan(ANSWER_BOUND_MS);
        await expectProblem(response, 503);
        expect(retryAfterOf(response)).toBe(1);
      }
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
    }
    await expectProblem(
      await fetch(`${stack.webUrl}/web/preferences`, { headers: bearer('closed-during') }),
      503,
    );
  });

  it('still lets an admin see the services and invalidate a cache while Redis is down', async () => {
    const { bases } = replicas.running();
    const admin = { authorization: `Bearer ${mintToken({ sub: 'ops-closed', roles: ['admin'] })}` };
    for (const base of bases) {
      expect((await fetch(`${base}/admin/services`, { headers: admin })).status).toBe(200);
      const standing = await fetch(`${base}/admin/rate-limits?key=user:closed-during`, { headers: admin });
      // What this instance counted alone while Redis is away, and said to be so.
      expect((await standing.json()).countedBy).toBe('this-instance');
      const invalidated = await fetch(`${base}/admin/cache/invalidate`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'closed-during' }),
      });
      expect(invalidated.status).toBe(200);
    }
  });

  it('serves again, with one limit shared by the instances, once Redis is back on its port', async () => {
    const { redis, bases } = replicas.running();
    await redis.restart();
    await vi.waitFor(
      async () => {
        for (const base of bases) {
          expect((await profile(base, 'closed-probe')).response.status).toBe(200);
        }
      },
      { timeout: 8_000, interval: 100 },
    );
    const statuses = await profiles(bases, 'closed-after', 2 * PROFILES_PER_LIMIT);
    expect(allowed(statuses)).toBe(PROFILES_PER_LIMIT);
  });
});
