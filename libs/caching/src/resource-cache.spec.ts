import { loadConfig } from '@app/config';
import { Metrics } from '@app/observability';
import { RedisConnection } from '@app/redis';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CacheInvalidator } from './cache-invalidator.js';
import { CacheLayers } from './cache-layers.js';
import { ResourceCache } from './resource-cache.js';

const url = process.env.REDIS_URL;

/** One gateway instance's cache, on the shared Redis (or on `redisUrl`, a Redis that may not be there). */
async function instance(
  prefix: string,
  redisUrl = url,
  env: Record<string, string> = {},
): Promise<{
  cache: ResourceCache;
  layers: CacheLayers;
  invalidator: CacheInvalidator;
  close: () => Promise<void>;
}> {
  const config = loadConfig({ ...env, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix });
  const redis = new RedisConnection(config);
  await redis.onModuleInit();
  const layers = new CacheLayers(config, redis);
  const invalidator = new CacheInvalidator(config, layers, redis);
  invalidator.onModuleInit();
  const cache = new ResourceCache(config, layers, redis, invalidator, new Metrics());
  if (redisUrl === url) {
    // Users' entries are served from memory only once this instance hears the others' invalidations.
    await vi.waitFor(
      () => {
        if (!redis.hearsBroadcasts) {
          throw new Error('not subscribed to invalidations yet');
        }
      },
      { timeout: 2_000, interval: 5 },
    );
  }
  return {
    cache,
    layers,
    invalidator,
    // In Nest's order: every provider's beforeApplicationShutdown, then every onApplicationShutdown.
    close: async () => {
      await cache.beforeApplicationShutdown();
      await invalidator.beforeApplicationShutdown();
      await redis.onApplicationShutdown();
      invalidator.onApplicationShutdown();
    },
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

  /** Whether Redis holds `key`'s entry itself: a record with its value, not a load's lock in its place or nothing. */
  async function holdsRecord(key: string): Promise<boolean> {
    const text = await admin.get(`${prefix}cache:v2:${key}`);
    return text !== null && (JSON.parse(text) as { value?: unknown }).value !== undefined;
  }

  /** Whether a load's lock is left anywhere: in an entry's place or on a key of its own. */
  async function locksLeft(): Promise<string[]> {
    const keys = await admin.keys(`${prefix}*`);
    const texts = keys.length === 0 ? [] : await admin.mget(...keys);
    return keys.filter((key, at) => key.includes(':lock:') || texts[at]?.startsWith('{"lock":') === true);
  }

  /** Two gateway instances on the shared Redis, both closed after `use`. */
  async function withTwoInstances(
    use: (first: ResourceCache, second: ResourceCache) => Promise<void>,
  ): Promise<void> {
    const [first, second] = await Promise.all([instance(prefix), instance(prefix)]);
    try {
      await use(first.cache, second.cache);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  }

  /** One gateway instance, closed after `use`. */
  async function withInstance(
    use: (cache: ResourceCache, layers: CacheLayers) => Promise<void>,
    redisUrl = url,
  ): Promise<void> {
    const { cache, layers, close } = await instance(prefix, redisUrl);
    try {
      await use(cache, layers);
    } finally {
      await close();
    }
  }

  /** Loads an entry, then reads it back from Redis as a later request would: from then on memory holds it. */
  async function loadAndReadBack(
    cache: ResourceCache,
    layers: CacheLayers,
    key: string,
    read: (cache: ResourceCache) => Promise<unknown>,
  ): Promise<void> {
    const loaded = await read(cache);
    await cache.writesLanded();
    expect(await read(cache)).toEqual(loaded);
    expect(layers.holdsInMemory(key)).toBe(true);
  }

  /** A read of `key` whose loads are counted. */
  function countedRead<T>(key: string, value: T, options: { owner?: string; loadMs?: number } = {}) {
    const counter = { loads: 0 };
    const read = (cache: ResourceCache): Promise<T> =>
      cache.read({
        key,
        ttlMs: 60_000,
        owner: options.owner,
        load: async () => {
          counter.loads += 1;
          await sleep(options.loadMs ?? 0);
          return value;
        },
      });
    return { read, counter };
  }

  it('stores a load where another instance finds it, lists it under its owner, and leaves no lock behind', async () => {
    await withTwoInstances(async (first, second) => {
      const { read, counter } = countedRead('user:ada', { id: 'ada', name: 'Ada' }, { owner: 'ada' });

      expect(await read(first)).toEqual({ id: 'ada', name: 'Ada' });
      await first.writesLanded();
      expect(await read(second)).toEqual({ id: 'ada', name: 'Ada' });

      expect(counter.loads).toBe(1);
      expect(await admin.smembers(`${prefix}cache-index:ada`)).toEqual(['user:ada']);
      expect(await admin.pttl(`${prefix}cache-index:ada`)).toBeGreaterThan(0);
      expect(await holdsRecord('user:ada')).toBe(true);
      expect(await locksLeft()).toEqual([]);
    });
  });

  it('keeps in memory what it reads back from Redis, not every entry it loads, so users seen once push out no one', async () => {
    await withInstance(async (cache, layers) => {
      const { read, counter } = countedRead('user:lin', { id: 'lin' }, { owner: 'lin' });

      expect(await read(cache)).toEqual({ id: 'lin' });
      // Until its write lands, the entry is found here without asking Redis.
      expect(layers.readMemory('user:lin')).toMatchObject({ value: { id: 'lin' } });
      await cache.writesLanded();
      expect(layers.holdsInMemory('user:lin')).toBe(false);

      expect(await read(cache)).toEqual({ id: 'lin' });
      expect(layers.holdsInMemory('user:lin')).toBe(true);
      expect(await read(cache)).toEqual({ id: 'lin' });
      expect(counter.loads).toBe(1);
    });
  });

  it("drops an entry it read back from Redis on its owner's invalidation alone, as it must while Redis is away", async () => {
    await withInstance(async (cache, layers) => {
      const { read } = countedRead('user:may', { id: 'may' }, { owner: 'may' });
      await loadAndReadBack(cache, layers, 'user:may', read);

      // This instance's own memory, as an invalidation with Redis down still clears it.
      layers.invalidateOwner('may');

      expect(layers.readMemory('user:may')).toBeUndefined();
    });
  });

  it('serves the newer entry once a write replaces one it held in memory, not the older one again', async () => {
    await withInstance(async (cache, layers) => {
      const { read } = countedRead('user:ines', { id: 'ines', name: 'Ines' }, { owner: 'ines' });
      await loadAndReadBack(cache, layers, 'user:ines', read);

      // As a background refresh stores what it reloaded.
      await cache.store('user:ines', { id: 'ines', name: 'Inès' }, 60_000, 'ines');

      expect(await read(cache)).toEqual({ id: 'ines', name: 'Inès' });
    });
  });

  it("keeps a load of nobody's in memory when Redis cannot take it, and still spares the upstream the repeat", async () => {
    // Nothing listens on port 1: Redis is configured but unreachable.
    await withInstance(async (cache, layers) => {
      const { read, counter } = countedRead('catalogue:noor', { id: 'noor' });

      expect(await read(cache)).toEqual({ id: 'noor' });
      await cache.writesLanded();

      expect(layers.holdsInMemory('catalogue:noor')).toBe(true);
      expect(await read(cache)).toEqual({ id: 'noor' });
      expect(counter.loads).toBe(1);
    }, 'redis://127.0.0.1:1');
  });

  it("asks the upstream again for a user's entry while Redis cannot be reached, since no other instance can tell it of a change", async () => {
    await withInstance(async (cache) => {
      const { read, counter } = countedRead('user:nell', { id: 'nell' }, { owner: 'nell' });

      expect(await read(cache)).toEqual({ id: 'nell' });
      await cache.writesLanded();
      expect(await read(cache)).toEqual({ id: 'nell' });

      expect(counter.loads).toBe(2);
    }, 'redis://127.0.0.1:1');
  });

  it("does not keep a load its owner's invalidation overtook while Redis was turning its write down", async () => {
    await withInstance(async (cache, layers) => {
      const { read } = countedRead('user:omar', { id: 'omar' }, { owner: 'omar' });

      await read(cache);
      // The user's data changes before the failed write settles.
      layers.invalidateOwner('omar');
      await cache.writesLanded();

      expect(layers.readMemory('user:omar')).toBeUndefined();
    }, 'redis://127.0.0.1:1');
  });

  it('keeps an entry loaded just before a shutdown: it reaches Redis before the connection closes', async () => {
    const { cache, close } = await instance(prefix);
    const { read } = countedRead('user:hedy', { id: 'hedy' }, { owner: 'hedy' });

    expect(await read(cache)).toEqual({ id: 'hedy' });
    await close();

    expect(await holdsRecord('user:hedy')).toBe(true);
    expect(await admin.smembers(`${prefix}cache-index:hedy`)).toEqual(['user:hedy']);
  });

  it("turns away the write of an entry loaded before its owner's data was dropped, though it reaches Redis after the drop", async () => {
    const [writer, reader] = await Promise.all([instance(prefix), instance(prefix)]);
    try {
      // A few heartbeats, for each instance to know Redis's clock from more than its busy first answer.
      await sleep(1_200);
      // The reader's load began here, a moment before the change: it read the old preferences.
      const loadBegan = reader.cache.sharedNow();
      expect(loadBegan).toBeDefined();
      await sleep(5);
      await writer.invalidator.invalidateOwner('pia2');

      await reader.cache.store('preference:pia2', { theme: 'light' }, 60_000, 'pia2', undefined, loadBegan);
      expect(await holdsRecord('preference:pia2')).toBe(false);
      expect(await admin.smembers(`${prefix}cache-index:pia2`)).toEqual([]);

      // A load that began after the drop read the change: its entry is written.
      await sleep(5);
      const { read, counter } = countedRead('preference:pia2', { theme: 'dark' }, { owner: 'pia2' });
      expect(await read(reader.cache)).toEqual({ theme: 'dark' });
      await reader.cache.writesLanded();
      expect(await holdsRecord('preference:pia2')).toBe(true);
      expect(counter.loads).toBe(1);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it("drops again, once the change has settled, an entry another instance's earlier load wrote after the change's drop", async () => {
    // Settles in 100 ms (the deadline and the calls' timeout) plus a second for the write to land.
    const quick = { AGGREGATE_DEADLINE_MS: '100', UPSTREAM_TIMEOUT_MS: '100' };
    const [writer, reader] = await Promise.all([instance(prefix, url, quick), instance(prefix, url, quick)]);
    try {
      await writer.invalidator.invalidateAfterChange('pia');
      // The reader's load read the old preferences before the change; its write reaches Redis only now.
      await reader.cache.store('preference:pia', { theme: 'light' }, 60_000, 'pia');
      expect(await holdsRecord('preference:pia')).toBe(true);

      await vi.waitFor(async () => expect(await holdsRecord('preference:pia')).toBe(false), {
        timeout: 3_000,
        interval: 50,
      });
      const { read, counter } = countedRead('preference:pia', { theme: 'dark' }, { owner: 'pia' });
      expect(await read(reader.cache)).toEqual({ theme: 'dark' });
      expect(counter.loads).toBe(1);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it('makes the drop of a change still under way at shutdown before Redis closes, though the drain gave up on its request', async () => {
    const [writer, reader] = await Promise.all([instance(prefix), instance(prefix)]);
    try {
      await reader.cache.store('preference:sam', { theme: 'light' }, 60_000, 'sam');
      expect(await holdsRecord('preference:sam')).toBe(true);

      // The upstream takes its time to confirm the change; the instance is told to stop meanwhile.
      const change = writer.invalidator.change(
        'sam',
        () => sleep(300),
        () => false,
      );
      writer.invalidator.onModuleDestroy();
      await writer.close();
      await change;

      expect(await holdsRecord('preference:sam')).toBe(false);
    } finally {
      await reader.close();
    }
  });

  it('lets one instance load a missing entry while another waits for it, rather than both asking the upstream', async () => {
    await withTwoInstances(async (first, second) => {
      const { read, counter } = countedRead('user:grace', { id: 'grace' }, { loadMs: 150 });

      const loading = read(first);
      await sleep(30);
      const waiting = read(second);

      expect(await Promise.all([loading, waiting])).toEqual([{ id: 'grace' }, { id: 'grace' }]);
      expect(counter.loads).toBe(1);
      expect(await holdsRecord('user:grace')).toBe(true);
    });
  });

  it("waits on another instance's load no longer than its request's deadline", async () => {
    await withTwoInstances(async (first, second) => {
      // The first instance's load never ends: its lock stays in the entry's place.
      void first.read({ key: 'user:stuck', ttlMs: 60_000, load: () => new Promise(() => undefined) });
      await sleep(30);

      const startedAt = performance.now();
      const value = await second.read({
        key: 'user:stuck',
        ttlMs: 60_000,
        deadlineAt: startedAt + 300,
        load: () => Promise.resolve({ id: 'stuck' }),
      });

      // Not the lock's two seconds: it gave up by its deadline and loaded itself.
      expect(value).toEqual({ id: 'stuck' });
      expect(performance.now() - startedAt).toBeLessThan(1_000);
    });
  });

  it("takes another instance's load that lands within its deadline, rather than loading again", async () => {
    await withTwoInstances(async (first, second) => {
      const { read, counter } = countedRead('user:slow-landing', { id: 'slow' }, { loadMs: 400 });
      const loading = read(first);
      await sleep(50);

      const waited = await second.read({
        key: 'user:slow-landing',
        ttlMs: 60_000,
        deadlineAt: performance.now() + 1_400,
        load: async () => {
          counter.loads += 1;
          return { id: 'loaded twice' };
        },
      });

      expect(waited).toEqual({ id: 'slow' });
      expect(await loading).toEqual({ id: 'slow' });
      expect(counter.loads).toBe(1);
    });
  });

  it("holds a missing entry's place while one instance loads it, which no other instance reads as an entry", async () => {
    const first = await instance(prefix);
    try {
      await withInstance(async (second, secondLayers) => {
        // The load waits until the checks below are done, however slow the machine.
        let finishLoad = (): void => undefined;
        const loadMayFinish = new Promise<void>((resolve) => (finishLoad = resolve));
        const loading = first.cache.read({
          key: 'user:kim',
          ttlMs: 60_000,
          load: async () => {
            await loadMayFinish;
            return { id: 'kim' };
          },
        });
        await vi.waitFor(async () => expect(await locksLeft()).toEqual([`${prefix}cache:v2:user:kim`]), {
          timeout: 2_000,
        });
        expect(await second.peekFresh('user:kim')).toBeUndefined();
        expect(await secondLayers.shared?.get('user:kim')).toBeUndefined();

        finishLoad();
        await loading;
        await first.cache.writesLanded();
        expect(await second.peekFresh('user:kim')).toMatchObject({ value: { id: 'kim' } });
      });
    } finally {
      await first.close();
    }
  });

  it('gives back the lock of a load that fails, so the next read loads at once instead of waiting on it', async () => {
    await withTwoInstances(async (first, second) => {
      const failing = first.read({
        key: 'user:lou',
        ttlMs: 60_000,
        load: () => Promise.reject(new Error('upstream down')),
      });
      await expect(failing).rejects.toThrow('upstream down');
      for (let tries = 0; tries < 50 && (await locksLeft()).length > 0; tries += 1) {
        await sleep(20);
      }
      expect(await locksLeft()).toEqual([]);

      const { read, counter } = countedRead('user:lou', { id: 'lou' });
      expect(await read(second)).toEqual({ id: 'lou' });
      expect(counter.loads).toBe(1);
    });
  });

  it('keeps each of many sections read at the same moment apart: its own entry, owner index and lock', async () => {
    await withTwoInstances(async (first, second) => {
      const reads = {
        a: countedRead('user:a', { id: 'a' }, { owner: 'x' }),
        b: countedRead('preferences:b', { theme: 'dark' }),
        c: countedRead('orders:c', { items: [] }, { owner: 'x' }),
        d: countedRead('user:d', { id: 'd' }, { owner: 'y' }),
      };

      expect(await Promise.all([reads.a.read(first), reads.b.read(first), reads.c.read(first)])).toEqual([
        { id: 'a' },
        { theme: 'dark' },
        { items: [] },
      ]);
      await first.writesLanded();
      expect(
        await Promise.all([
          reads.a.read(second),
          reads.b.read(second),
          reads.c.read(second),
          reads.d.read(second),
        ]),
      ).toEqual([{ id: 'a' }, { theme: 'dark' }, { items: [] }, { id: 'd' }]);
      await second.writesLanded();

      expect(Object.values(reads).map(({ counter }) => counter.loads)).toEqual([1, 1, 1, 1]);
      expect((await admin.smembers(`${prefix}cache-index:x`)).sort()).toEqual(['orders:c', 'user:a']);
      expect(await admin.smembers(`${prefix}cache-index:y`)).toEqual(['user:d']);
      expect(await locksLeft()).toEqual([]);
    });
  });

  it('serves a section looked up beside its answer from that lookup, without asking Redis again', async () => {
    await withTwoInstances(async (first, second) => {
      const { read, counter } = countedRead('user:ida', { id: 'ida' }, { owner: 'ida' });
      await read(first);
      await first.writesLanded();

      // The section is looked up in the answer's own script, so it has been read once the answer's lookup is done.
      expect(await second.peekFresh('response:ida', () => ['user:ida'])).toBeUndefined();
      // Gone from Redis after the lookup: only a read that takes the lookup's result still finds it.
      await admin.del(`${prefix}cache:v2:user:ida`);

      expect(await read(second)).toEqual({ id: 'ida' });
      expect(counter.loads).toBe(1);
    });
  });

  it('gives back the locks of sections looked up beside an answer that no read took', async () => {
    const { cache, close } = await instance(prefix);
    try {
      await cache.peekFresh('response:joan', () => ['user:joan']);
      expect(await locksLeft()).toEqual([`${prefix}cache:v2:user:joan`]);

      cache.dropPrefetched(['user:joan']);
      // The release is not waited for by the caller: wait for it here, up to a second.
      for (let tries = 0; tries < 50 && (await locksLeft()).length > 0; tries += 1) {
        await sleep(20);
      }
      expect(await locksLeft()).toEqual([]);
    } finally {
      await close();
    }
  });

  it('keeps an answer that is only ever served fresh for its ttl in Redis, not through the stale windows', async () => {
    const { cache, close } = await instance(prefix);
    try {
      await cache.storeFresh('response:fresh', { text: '{}' }, 5_000, 'ada');
      await cache.store('user:stale-too', { id: 'ada' }, 5_000, 'ada');
      const freshFor = await admin.pttl(`${prefix}cache:v2:response:fresh`);
      expect(freshFor).toBeGreaterThan(0);
      expect(freshFor).toBeLessThanOrEqual(5_000);
      expect(await admin.pttl(`${prefix}cache:v2:user:stale-too`)).toBeGreaterThan(5_000);
    } finally {
      await close();
    }
  });
});

describe('ResourceCache in one process', () => {
  function embedded(): { cache: ResourceCache; layers: CacheLayers } {
    const config = loadConfig({});
    const redis = new RedisConnection(config);
    const layers = new CacheLayers(config, redis);
    const invalidator = new CacheInvalidator(config, layers, redis);
    return { cache: new ResourceCache(config, layers, redis, invalidator, new Metrics()), layers };
  }

  it('lets an answer that is only ever served fresh go once its ttl is up, while a section is kept to be served stale', async () => {
    const { cache, layers } = embedded();
    await cache.storeFresh('response:fresh', { text: '{}' }, 20, 'ada');
    await cache.store('user:stale-too', { id: 'ada' }, 20, 'ada');
    await sleep(40);

    expect(layers.readMemory('response:fresh')).toBeUndefined();
    expect(await cache.peekFresh('response:fresh')).toBeUndefined();
    expect(layers.readMemory('user:stale-too')).toMatchObject({ value: { id: 'ada' } });
  });
});
