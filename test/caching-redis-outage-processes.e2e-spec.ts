import { Redis } from 'ioredis';
import {
  buildAppsIfMissing,
  local,
  startBffProcess,
  startDemoProcess,
  upstreamsOf,
} from './support/app-processes.js';
import type { NodeProcess } from './support/node-process.js';
import { PrivateRedis, redisEnv, sharedRedisUrl } from './support/redis.js';
import { bearer, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './support/tokens.js';

/*
 * A preference change made through web-bff, read through a mobile-bff in
 * another OS process, while the Redis that carries invalidations between
 * them is down or stalled: nothing but Redis joins the two processes, so
 * the mobile-bff cannot hear of the change and must not serve its own
 * copy as current. Over a redis-server of the suite's own (the shared one
 * is never killed or stalled); the tests run in order and share it.
 */

interface Running {
  redis: PrivateRedis;
  mobile: NodeProcess;
  web: NodeProcess;
}

describe.skipIf(sharedRedisUrl === undefined)(
  'a preference change through another process while Redis is out',
  () => {
    const started: NodeProcess[] = [];
    let running: Running | undefined;

    const dumpOutput = (): void => {
      for (const child of started) {
        console.error(`--- ${child.name} (pid ${child.pid}) ---\n${child.output()}`);
      }
    };

    beforeAll(async () => {
      await buildAppsIfMissing();
      const redis = await PrivateRedis.start();
      try {
        const demo = await startDemoProcess();
        started.push(demo);
        const env = redisEnv(redis.url);
        const shared = {
          NODE_ENV: 'test',
          LOG_LEVEL: 'error',
          HOST: '127.0.0.1',
          JWT_SECRET: TEST_JWT_SECRET,
          JWT_ISSUER: TEST_ISSUER,
          JWT_AUDIENCE: TEST_AUDIENCE,
          ...upstreamsOf(demo),
          ...env,
          CACHE_ENABLED: 'true',
          THROTTLE_ENABLED: 'false',
        };
        const [mobile, web] = await Promise.all([
          startBffProcess('mobile-bff', 'mobile-bff', shared),
          startBffProcess('web-bff', 'web-bff', shared),
        ]);
        started.push(mobile, web);
        // Both must have subscribed: a change broadcast before then would not reach them in any case.
        const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
        try {
          await vi.waitFor(
            async () => {
              const [, subscribers] = (await client.pubsub(
                'NUMSUB',
                `${env.REDIS_KEY_PREFIX}cache:invalidate`,
              )) as [string, number];
              if (subscribers !== 2) {
                throw new Error(`${subscribers} of the 2 BFF processes have subscribed`);
              }
            },
            { timeout: 5_000, interval: 50 },
          );
        } finally {
          client.disconnect();
        }
        running = { redis, mobile, web };
      } catch (error) {
        dumpOutput();
        await Promise.allSettled(started.map((child) => child.stop('SIGKILL')));
        await redis.kill();
        throw error;
      }
    }, 60_000);

    afterAll(async () => {
      // A test may leave Redis stalled: a stopped process would not take the kill until resumed.
      running?.redis.resume();
      await Promise.allSettled(started.map((child) => child.stop()));
      await running?.redis.kill();
    });

    beforeEach(() => {
      onTestFailed(dumpOutput);
    });

    const fleet = (): Running => {
      if (running === undefined) {
        throw new Error('the processes did not start');
      }
      return running;
    };
    const profileTheme = async (userId: string): Promise<string> => {
      const response = await fetch(`${local(fleet().mobile.ports[0])}/mobile/profile`, {
        headers: bearer(userId),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { preferences: { theme: string } }).preferences.theme;
    };
    const changeTheme = async (userId: string, theme: string): Promise<void> => {
      const response = await fetch(`${local(fleet().web.ports[0])}/web/preferences`, {
        method: 'PATCH',
        headers: { ...bearer(userId), 'content-type': 'application/json' },
        body: JSON.stringify({ theme }),
      });
      expect(response.status).toBe(200);
    };
    const otherTheme = (theme: string): string => (theme === 'dark' ? 'light' : 'dark');

    it('shows the change in the next mobile profile after Redis crashed', async () => {
      const userId = 'outage-crash';
      const before = await profileTheme(userId);
      // Read twice, so the mobile-bff holds the preferences in its own memory, not only in Redis.
      expect(await profileTheme(userId)).toBe(before);

      await fleet().redis.kill();
      await changeTheme(userId, otherTheme(before));

      expect(await profileTheme(userId)).toBe(otherTheme(before));
    });

    it("hears of the other process's changes again once Redis is back", async () => {
      const { redis } = fleet();
      await redis.restart();
      const userId = 'outage-crash';
      await vi.waitFor(
        async () => {
          const health = (await (await fetch(`${local(fleet().mobile.ports[0])}/health`)).json()) as {
            details: { redis: { status: string } };
          };
          expect(health.details.redis.status).toBe('up');
        },
        { timeout: 8_000, interval: 100 },
      );
      const now = await profileTheme(userId);
      await changeTheme(userId, otherTheme(now));
      expect(await profileTheme(userId)).toBe(otherTheme(now));
    });

    it('shows the change within seconds while Redis stalls, without waiting for it to answer', async () => {
      const userId = 'outage-stall';
      const before = await profileTheme(userId);
      expect(await profileTheme(userId)).toBe(before);

      const { redis } = fleet();
      redis.stall();
      try {
        await changeTheme(userId, otherTheme(before));
        // The mobile-bff, whose requests send Redis nothing here, notices once three of its heartbeat PINGs go unanswered.
        await vi.waitFor(async () => expect(await profileTheme(userId)).toBe(otherTheme(before)), {
          timeout: 5_000,
          interval: 200,
        });
      } finally {
        redis.resume();
      }
    });

    // Last: it stops the web-bff.
    it('drops the changed user from Redis as the writing process shuts down, once Redis answers again', async () => {
      const userId = 'outage-shutdown';
      const { redis, web, mobile } = fleet();
      // Both back on Redis after the stall before: the profile's entries go there, for the drop to remove.
      for (const bff of [mobile, web]) {
        await vi.waitFor(
          async () => expect((await fetch(`${local(bff.ports[0])}/health`)).status).toBe(200),
          {
            timeout: 10_000,
            interval: 200,
          },
        );
      }
      const before = await profileTheme(userId);
      redis.stall();
      let stopping: Promise<void> | undefined;
      try {
        // Once the web-bff has taken Redis for down, the change's drop is not even sent: it waits for Redis.
        await vi.waitFor(
          async () =>
            expect(await (await fetch(`${local(web.ports[0])}/metrics`)).text()).toMatch(/^redis_up 0$/m),
          { timeout: 10_000, interval: 200 },
        );
        await changeTheme(userId, otherTheme(before));
        stopping = web.stop('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        redis.resume();
      }
      await stopping;
      await vi.waitFor(async () => expect(await profileTheme(userId)).toBe(otherTheme(before)), {
        timeout: 5_000,
        interval: 200,
      });
    });
  },
);
