import { loadConfig } from '@app/config';
import { Metrics } from '@app/observability';
import { RedisConnection } from '@app/redis';
import { createCache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheInvalidator } from './cache-invalidator.js';
import { CacheLayers } from './cache-layers.js';
import { ResourceCache } from './resource-cache.js';

const url = process.env.REDIS_URL;

/** One gateway instance's cache, on the shared Redis. */
async function instance(prefix: string): Promise<{ cache: ResourceCache; close: () => Promise<void> }> {
  const config = loadConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix });
  const redis = new RedisConnection(config);
  await redis.onModuleInit();
  const layers = new CacheLayers(config, redis);
  const invalidator = new CacheInvalidator(createCache({ stores: layers.stores }), layers, redis);
  return {
    cache: new ResourceCache(config, layers, redis, invalidator, new Metrics()),
    close: () => redis.onApplicationShutdown(),
  };
}

describe.skipIf(url === undefined)('ResourceCache on Redis (real Redis)', () => {
  const prefix = `test:${randomUUID()}:`;
  let admin: Redis;

  beforeAll(() => {
    admin = new Redis(url as string);
  });

  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) {
      await admin.del(...keys);
    }
    admin.disconnect();
  });

  it('stores a load where another instance finds it, lists it under its owner, and leaves no lock behind', async () => {
    const first = await instance(prefix);
    const second = await instance(prefix);
    try {
      let loads = 0;
      const read = (cache: ResourceCache) =>
        cache.read({
          key: 'user:ada',
          ttlMs: 60_000,
          owner: 'ada',
          load: () => {
            loads += 1;
            return Promise.resolve({ id: 'ada', name: 'Ada' });
          },
        });

      expect(await read(first.cache)).toEqual({ id: 'ada', name: 'Ada' });
      expect(await read(second.cache)).toEqual({ id: 'ada', name: 'Ada' });

      expect(loads).toBe(1);
      expect(await admin.smembers(`${prefix}cache-index:ada`)).toEqual(['user:ada']);
      expect(await admin.pttl(`${prefix}cache-index:ada`)).toBeGreaterThan(0);
      expect(await admin.exists(`${prefix}lock:user:ada`)).toBe(0);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('lets one instance load a missing entry while another waits for it, rather than both asking the upstream', async () => {
    const first = await instance(prefix);
    const second = await instance(prefix);
    try {
      let loads = 0;
      const read = (cache: ResourceCache) =>
        cache.read({
          key: 'user:grace',
          ttlMs: 60_000,
          load: async () => {
            loads += 1;
            await sleep(150);
            return { id: 'grace' };
          },
        });

      const loading = read(first.cache);
      await sleep(30);
      const waiting = read(second.cache);

      expect(await Promise.all([loading, waiting])).toEqual([{ id: 'grace' }, { id: 'grace' }]);
      expect(loads).toBe(1);
      expect(await admin.exists(`${prefix}lock:user:grace`)).toBe(0);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
