import { loadConfig, type AppConfig } from '@app/config';
import { Metrics } from '@app/observability';
import { ProblemError } from '@app/problem';
import { RedisConnection } from '@app/redis';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheInvalidator } from './cache-invalidator.js';
import { CacheLayers } from './cache-layers.js';
import { IdempotentReplay } from './idempotent-replay.js';
import { ResourceCache } from './resource-cache.js';

const url = process.env.REDIS_URL;

/** An instance's resource cache, wired as the caching module wires it. */
function resourceCache(config: AppConfig, redis: RedisConnection): ResourceCache {
  const layers = new CacheLayers(config, redis);
  return new ResourceCache(config, layers, redis, new CacheInvalidator(config, layers, redis), new Metrics());
}

/** One gateway instance's Idempotency-Key handling, on the shared Redis under `prefix`. */
async function instance(prefix: string): Promise<{ replay: IdempotentReplay; close: () => Promise<void> }> {
  const config = loadConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix });
  const redis = new RedisConnection(config);
  await redis.onModuleInit();
  const cache = resourceCache(config, redis);
  return {
    replay: new IdempotentReplay(cache, redis),
    close: async () => {
      await cache.beforeApplicationShutdown();
      await redis.onApplicationShutdown();
    },
  };
}

/** A write that runs until `finish` is called, counting how often it was started. */
function heldWrite<T>(answer: T): { write: () => Promise<T>; finish: () => void; started: () => number } {
  let started = 0;
  let finish = (): void => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    write: async () => {
      started += 1;
      await done;
      return answer;
    },
    finish: () => finish(),
    started: () => started,
  };
}

async function refusal(outcome: Promise<unknown>): Promise<ProblemError> {
  const error: unknown = await outcome.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProblemError);
  return error as ProblemError;
}

describe('IdempotentReplay without Redis', () => {
  it("keeps a first answer however many other users' reads the cache takes in meanwhile, and writes once", async () => {
    const config = loadConfig({ CACHE_ENABLED: 'true', CACHE_MEMORY_MAX_ENTRIES: '20' });
    const redis = new RedisConnection(config);
    const cache = resourceCache(config, redis);
    const replay = new IdempotentReplay(cache, redis);
    let writes = 0;
    const write = (): Promise<string> => Promise.resolve(`written ${(writes += 1)}`);

    expect(await replay.run('u1', 'key-1', { theme: 'dark' }, 1_000, write)).toBe('written 1');
    for (let other = 0; other < 100; other += 1) {
      await cache.read({
        key: `user:other-${other}`,
        ttlMs: 60_000,
        owner: `other-${other}`,
        load: async () => other,
      });
    }

    expect(await replay.run('u1', 'key-1', { theme: 'dark' }, 1_000, write)).toBe('written 1');
    expect(writes).toBe(1);
  });
});

describe.skipIf(url === undefined)('IdempotentReplay across instances (real Redis)', () => {
  const prefix = `test:${randomUUID()}:`;

  afterAll(async () => {
    const admin = new Redis(url as string);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) {
      await admin.del(...keys);
    }
    admin.disconnect();
  });

  it('tells a retry of a write running on another instance to come back, even behind a different request here', async () => {
    const [first, second] = await Promise.all([instance(prefix), instance(prefix)]);
    try {
      const original = heldWrite({ theme: 'light' });
      const running = first.replay.run('u1', 'key-1', { theme: 'light' }, 1_000, original.write);
      // Let the first instance claim the key in Redis.
      await expect.poll(() => original.started(), { timeout: 2_000, interval: 5 }).toBe(1);

      // Both arrive at the second instance together: a request that differs, then the retry of the original.
      const differing = second.replay.run('u1', 'key-1', { theme: 'system' }, 1_000, async () => 'written');
      const retry = second.replay.run('u1', 'key-1', { theme: 'light' }, 1_000, async () => 'written');

      const [differingRefusal, retryRefusal] = await Promise.all([refusal(differing), refusal(retry)]);
      expect(differingRefusal.status).toBe(409);
      expect(retryRefusal.status).toBe(409);
      expect(retryRefusal.detail).toMatch(/still in progress/);
      expect(retryRefusal.headers).toEqual({ 'retry-after': '1' });

      original.finish();
      expect(await running).toEqual({ theme: 'light' });
      // Once the original has answered, its retry anywhere gets that answer, and a different request is refused.
      expect(
        await second.replay.run('u1', 'key-1', { theme: 'light' }, 1_000, async () => 'written'),
      ).toEqual({
        theme: 'light',
      });
      const late = await refusal(
        second.replay.run('u1', 'key-1', { theme: 'system' }, 1_000, async () => 'x'),
      );
      expect(late.detail).toMatch(/different request/);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('refuses a different request at once behind a write this instance holds the key for', async () => {
    const { replay, close } = await instance(prefix);
    try {
      const original = heldWrite('light');
      const running = replay.run('u2', 'key-2', { theme: 'light' }, 1_000, original.write);
      await expect.poll(() => original.started(), { timeout: 2_000, interval: 5 }).toBe(1);

      const different = await refusal(
        replay.run('u2', 'key-2', { theme: 'dark' }, 1_000, async () => 'dark'),
      );

      expect(different.detail).toMatch(/different request/);
      expect(original.started()).toBe(1);
      original.finish();
      expect(await running).toBe('light');
    } finally {
      await close();
    }
  });
});
