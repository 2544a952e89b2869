import { Redis } from 'ioredis';
import { THEMES } from '../apps/demo-services/src/demo-data.js';
import {
  buildAppsIfMissing,
  local,
  startBffProcess,
  startDemoProcess,
  upstreamsOf,
} from './support/app-processes.js';
import type { NodeProcess } from './support/node-process.js';
import { deleteKeysWithPrefix, redisEnv, sharedRedisUrl } from './support/redis.js';
import { adminHeaders, alternate } from './support/throttling.js';
import { bearer, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './support/tokens.js';

/*
 * The deployment shape in miniature: two OS processes of each BFF, run from
 * the built JavaScript as the containers run them, one demo-services process,
 * and the shared Redis under a key prefix of this run's own. Nothing is
 * shared between the BFF processes but Redis, so whatever holds across them
 * holds because of it. Every test is a user of its own.
 */

const SUSTAINED_LIMIT = 10;

type Service = 'user' | 'order' | 'preference';

interface Fleet {
  demo: NodeProcess;
  mobile: [NodeProcess, NodeProcess];
  web: [NodeProcess, NodeProcess];
}

interface SustainedStanding {
  name: string;
  limit: number;
  used: number;
  remaining: number;
  blocked: boolean;
}

interface HealthReport {
  details?: { redis?: { status?: string; mode?: string } };
}

/**
 * One BFF process, ready once `/health/ready` answers 200 and `/health`
 * reports Redis up in shared mode: a BFF takes traffic while its Redis
 * connection is still being made, and until then limits and caches alone.
 * ("up" alone would also pass a process that never got REDIS_URL: it
 * reports itself up in "memory only" mode.)
 */
function startBff(
  name: string,
  app: 'mobile-bff' | 'web-bff',
  shared: Record<string, string>,
): Promise<NodeProcess> {
  return startBffProcess(name, app, shared, async ([port], signal) => {
    const ready = await fetch(`${local(port)}/health/ready`, { signal });
    await ready.arrayBuffer();
    if (ready.status !== 200) {
      return false;
    }
    // A 503 while Redis is down still carries the report.
    const health = (await (await fetch(`${local(port)}/health`, { signal })).json()) as HealthReport;
    return health.details?.redis?.status === 'up' && health.details.redis.mode === 'shared';
  });
}

describe.skipIf(!sharedRedisUrl)('two processes of each BFF sharing one Redis', () => {
  const env = redisEnv(sharedRedisUrl ?? '');
  const started: NodeProcess[] = [];
  let fleet: Fleet | undefined;
  let redis: Redis | undefined;

  const dumpOutput = (): void => {
    for (const child of started) {
      console.error(
        `--- ${child.name} (pid ${child.pid}, ports ${child.ports.join(', ')}) ---\n${child.output()}`,
      );
    }
  };

  beforeAll(async () => {
    await buildAppsIfMissing();
    const client = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis = client;
    try {
      await client.connect();
      const demo = await startDemoProcess();
      started.push(demo);
      const shared = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_JWT_SECRET,
        JWT_ISSUER: TEST_ISSUER,
        JWT_AUDIENCE: TEST_AUDIENCE,
        ...upstreamsOf(demo),
        ...env,
        CACHE_ENABLED: 'true',
        THROTTLE_ENABLED: 'true',
        // Only the sustained window is under test: the burst never gets in the way.
        THROTTLE_BURST_LIMIT: '1000',
        THROTTLE_SUSTAINED_LIMIT: String(SUSTAINED_LIMIT),
        THROTTLE_SUSTAINED_WINDOW_MS: '10000',
      };
      const bffs = await Promise.allSettled([
        startBff('mobile-1', 'mobile-bff', shared),
        startBff('mobile-2', 'mobile-bff', shared),
        startBff('web-1', 'web-bff', shared),
        startBff('web-2', 'web-bff', shared),
      ]);
      for (const outcome of bffs) {
        if (outcome.status === 'fulfilled') {
          started.push(outcome.value);
        }
      }
      const failed = bffs.find((outcome) => outcome.status === 'rejected');
      if (failed !== undefined) {
        throw failed.reason;
      }
      const [mobile1, mobile2, web1, web2] = bffs.map(
        (outcome) => (outcome as PromiseFulfilledResult<NodeProcess>).value,
      );
      /*
       * Invalidations reach the other processes' memory over pub/sub, on a
       * second connection that /health does not report: a change made before
       * a process has subscribed would never reach it.
       */
      const channel = `${env.REDIS_KEY_PREFIX}cache:invalidate`;
      await vi.waitFor(
        async () => {
          const [, subscribers] = (await client.pubsub('NUMSUB', channel)) as [string, number];
          if (subscribers !== 4) {
            throw new Error(`${subscribers} of the 4 BFF processes have subscribed to ${channel}`);
          }
        },
        { timeout: 5_000, interval: 50 },
      );
      fleet = { demo, mobile: [mobile1, mobile2], web: [web1, web2] };
    } catch (error) {
      dumpOutput();
      await Promise.allSettled(started.map((child) => child.stop('SIGKILL')));
      throw error;
    }
  }, 120_000);

  afterAll(async () => {
    try {
      await Promise.allSettled(started.map((child) => child.stop()));
    } finally {
      await redis?.quit();
      await deleteKeysWithPrefix(env.REDIS_URL, env.REDIS_KEY_PREFIX);
    }
  });

  beforeEach(() => {
    onTestFailed(dumpOutput);
  });

  const running = (): Fleet => {
    if (fleet === undefined) {
      throw new Error('the processes did not start');
    }
    return fleet;
  };
  const mobileUrls = (): [string, string] => {
    const [first, second] = running().mobile;
    return [local(first.ports[0]), local(second.ports[0])];
  };
  const webUrls = (): [string, string] => {
    const [first, second] = running().web;
    return [local(first.ports[0]), local(second.ports[0])];
  };
  const servicePort = (service: Service): number =>
    running().demo.ports[service === 'user' ? 0 : service === 'order' ? 1 : 2];
  const resetUpstreamCounts = async (): Promise<void> => {
    for (const service of ['user', 'order', 'preference'] as const) {
      expect((await fetch(`${local(servicePort(service))}/__stats`, { method: 'DELETE' })).status).toBe(200);
    }
  };
  const upstreamCalls = async (): Promise<Record<Service, number>> => {
    const count = async (service: Service): Promise<number> =>
      ((await (await fetch(`${local(servicePort(service))}/__stats`)).json()) as { requests: number })
        .requests;
    return { user: await count('user'), order: await count('order'), preference: await count('preference') };
  };
  const profile = (base: string, sub: string): Promise<Response> =>
    fetch(`${base}/mobile/profile`, { headers: bearer(sub) });
  const preferences = (base: string, sub: string): Promise<Response> =>
    fetch(`${base}/web/preferences`, { headers: bearer(sub) });
  /** A PATCH of `sub`'s preferences sent with an Idempotency-Key, the same body each time. */
  const idempotentPatch = (base: string, sub: string, key: string): Promise<Response> =>
    fetch(`${base}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer(sub), 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ marketingOptIn: true }),
    });
  /** Every answer of the preference service takes `latencyMs` (0: none), until set again. */
  const slowPreferences = async (latencyMs: number): Promise<void> => {
    const faults = `${local(servicePort('preference'))}/__faults`;
    const answer = await (latencyMs === 0
      ? fetch(faults, { method: 'DELETE' })
      : fetch(faults, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ latencyMs }),
        }));
    expect(answer.status).toBe(200);
  };

  it('gives a user one rate limit across both mobile processes, not one each, and an operator sees the same usage on either', async () => {
    const bases = mobileUrls();
    const answers = await alternate(bases, SUSTAINED_LIMIT + 6, (base) =>
      fetch(`${base}/mobile/orders`, { headers: bearer('mp-orders') }),
    );
    const allowed = answers.filter((answer) => answer.status === 200);
    // One over at most: a Redis command that times out under load lets that request be counted in memory.
    expect(allowed.length).toBeGreaterThanOrEqual(SUSTAINED_LIMIT);
    expect(allowed.length).toBeLessThanOrEqual(SUSTAINED_LIMIT + 1);
    for (const base of bases) {
      expect(allowed.filter((answer) => answer.base === base).length).toBeGreaterThan(0);
    }
    expect(answers.slice(-4).map((answer) => answer.status)).toEqual([429, 429, 429, 429]);

    const standings = await Promise.all(
      bases.map(async (base) => {
        const response = await fetch(`${base}/admin/rate-limits?key=user:mp-orders`, {
          headers: adminHeaders('ops'),
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { windows: SustainedStanding[] };
        // Without its timers (resetInMs, blockedForMs), which count down between the two reads.
        const sustained = body.windows.find((window) => window.name === 'sustained');
        return (
          sustained && {
            limit: sustained.limit,
            used: sustained.used,
            remaining: sustained.remaining,
            blocked: sustained.blocked,
          }
        );
      }),
    );
    expect(standings[1]).toEqual(standings[0]);
    // The request that crossed the limit is counted before the key blocks; the refused ones after it are not.
    expect(standings[0]).toMatchObject({
      limit: SUSTAINED_LIMIT,
      used: SUSTAINED_LIMIT + 1,
      remaining: 0,
      blocked: true,
    });
  });

  it("answers a user's dashboard on the second web process from the cache the first one filled, without asking any upstream again", async () => {
    const [web1, web2] = webUrls();
    await resetUpstreamCounts();

    const first = await fetch(`${web1}/web/dashboard`, { headers: bearer('mp-dashboard') });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    const body = (await first.json()) as { user: { id: string }; meta: { degraded: string[] } };
    expect(body.user.id).toBe('mp-dashboard');
    expect(body.meta.degraded).toEqual([]);
    expect(await upstreamCalls()).toEqual({ user: 1, order: 1, preference: 1 });

    const second = await fetch(`${web2}/web/dashboard`, { headers: bearer('mp-dashboard') });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await second.json()).toEqual(body);
    expect(await upstreamCalls()).toEqual({ user: 1, order: 1, preference: 1 });
  });

  it("shows a theme changed through one web process in a mobile process's very next profile and in the other web process's preferences", async () => {
    const userId = 'mp-theme';
    const [mobile1] = mobileUrls();
    const [web1, web2] = webUrls();

    // Both readers hold the old theme in their own memory before the change: web-1 its preferences, mobile-1 the whole profile.
    const before = await preferences(web1, userId);
    expect(before.status).toBe(200);
    const { theme: current } = (await before.json()) as { theme: string };
    expect((await profile(mobile1, userId)).headers.get('x-cache')).toBe('miss');
    const cached = await profile(mobile1, userId);
    expect(cached.headers.get('x-cache')).toBe('hit');
    expect(((await cached.json()) as { preferences: { theme: string } }).preferences.theme).toBe(current);

    const theme = THEMES.find((candidate) => candidate !== current) ?? 'dark';
    const patched = await fetch(`${web2}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer(userId), 'content-type': 'application/json' },
      body: JSON.stringify({ theme }),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { theme: string }).theme).toBe(theme);

    const after = await profile(mobile1, userId);
    expect(after.status).toBe(200);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(((await after.json()) as { preferences: { theme: string } }).preferences.theme).toBe(theme);

    const reread = await preferences(web1, userId);
    expect(reread.status).toBe(200);
    expect(((await reread.json()) as { theme: string }).theme).toBe(theme);
  });

  it('answers a write sent again with its Idempotency-Key to the other web process: 409 while the first is under way, then the first answer, written once', async () => {
    const [web1, web2] = webUrls();
    const patch = (base: string): Promise<Response> => idempotentPatch(base, 'mp-idempotent', 'mp-key-1');
    await resetUpstreamCounts();
    await slowPreferences(700);
    try {
      const first = patch(web1);
      // Sent once the first write has reached the service, so its claim is in Redis however loaded the machine is.
      await vi.waitFor(async () => expect((await upstreamCalls()).preference).toBe(1), { interval: 20 });
      const meanwhile = await patch(web2);
      expect(meanwhile.status).toBe(409);
      expect(meanwhile.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(meanwhile.headers.get('retry-after')).toBe('1');

      const written = await first;
      expect(written.status).toBe(200);
      const again = await patch(web2);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(await written.json());
      expect((await upstreamCalls()).preference).toBe(1);
    } finally {
      await slowPreferences(0);
    }
  });

  it('keeps answering from the first mobile process after the second is killed outright', async () => {
    const [mobile1, mobile2] = mobileUrls();
    await running().mobile[1].stop('SIGKILL');
    await expect(fetch(`${mobile2}/health/live`)).rejects.toThrow();

    // Three profiles, nine units: within the limit, so every answer is the user's.
    for (let call = 0; call < 3; call += 1) {
      const response = await profile(mobile1, 'mp-survivor');
      expect(response.status).toBe(200);
      expect(((await response.json()) as { user: { id: string } }).user.id).toBe('mp-survivor');
    }
    expect((await fetch(`${mobile1}/health/ready`)).status).toBe(200);
    const health = (await (await fetch(`${mobile1}/health`)).json()) as HealthReport;
    expect(health.details?.redis).toMatchObject({ status: 'up', mode: 'shared' });
  });

  it('lets a write sent again with its Idempotency-Key through on the other web process soon after the one holding the key died mid-write', async () => {
    const [web1, web2] = webUrls();
    const patch = (base: string): Promise<Response> => idempotentPatch(base, 'mp-orphaned', 'mp-key-2');
    await resetUpstreamCounts();
    await slowPreferences(700);
    try {
      void patch(web2).catch(() => undefined);
      await vi.waitFor(async () => expect((await upstreamCalls()).preference).toBe(1), { interval: 20 });
      await running().web[1].stop('SIGKILL');
    } finally {
      await slowPreferences(0);
    }

    // The claim of the dead process ends with its write's deadline, not half a minute later.
    await vi.waitFor(async () => expect((await patch(web1)).status).toBe(200), {
      timeout: 8_000,
      interval: 500,
    });
  });
});
