import { loadConfig } from '@app/config';
import { RedisConnection } from '@app/redis';
import { describe, expect, it } from 'vitest';
import { CacheInvalidator } from './cache-invalidator.js';
import { CacheLayers } from './cache-layers.js';

/** The embedded set-up: a 1 MiB memory layer, no Redis. */
function embedded(): {
  layers: CacheLayers;
  invalidator: CacheInvalidator;
  store: (owner: string, key: string) => void;
} {
  const config = loadConfig({ CACHE_MEMORY_MAX_MB: '1' });
  const redis = new RedisConnection(config);
  const layers = new CacheLayers(config, redis);
  const invalidator = new CacheInvalidator(config, layers, redis);
  invalidator.onModuleInit();
  const page = { orders: 'x'.repeat(100_000) };
  return {
    layers,
    invalidator,
    store: (owner, key) => layers.writeMemory(key, page, 60_000, owner),
  };
}

describe('CacheInvalidator in one process', () => {
  it("drops every entry of a user whose data changed, and leaves other users' entries", async () => {
    const { layers, invalidator, store } = embedded();
    store('ada', 'user:ada');
    store('ada', 'orders:ada');
    store('bob', 'user:bob');

    await invalidator.invalidateOwner('ada');

    expect(await layers.memory.get('user:ada')).toBeUndefined();
    expect(await layers.memory.get('orders:ada')).toBeUndefined();
    expect(await layers.memory.get('user:bob')).toBeDefined();
  });

  it('reports how many entries it removed, for the admin endpoint', async () => {
    const { layers, invalidator, store } = embedded();
    store('ada', 'user:ada');
    store('ada', 'orders:ada');
    store('bob', 'user:bob');

    expect(await invalidator.removeOwner('ada')).toBe(2);

    expect(await layers.memory.get('user:ada')).toBeUndefined();
    expect(await layers.memory.get('user:bob')).toBeDefined();
  });

  it('counts only the entries still held once older users have been evicted', async () => {
    const { layers, invalidator, store } = embedded();
    store('early', 'user:early');
    store('early', 'orders:early');
    // About ten 100 kB pages fit in 1 MiB: twenty later users push the early one out.
    for (let n = 0; n < 20; n += 1) {
      store(`late-${n}`, `user:late-${n}`);
    }
    expect(layers.holdsInMemory('user:early')).toBe(false);

    expect(await invalidator.removeOwner('early')).toBe(0);
    expect(await invalidator.removeOwner('late-19')).toBe(1);
    expect(layers.holdsInMemory('user:late-19')).toBe(false);
  });

  it("drops the user's entries from the other apps of the process too, as the launcher runs them", async () => {
    const mobile = embedded();
    const web = embedded();
    mobile.store('ada', 'preference:ada');
    web.store('ada', 'preference:ada');

    await web.invalidator.invalidateOwner('ada');

    expect(await mobile.layers.memory.get('preference:ada')).toBeUndefined();
    expect(await web.layers.memory.get('preference:ada')).toBeUndefined();
    mobile.invalidator.onModuleDestroy();
    web.invalidator.onModuleDestroy();
  });

  it('counts a key stored twice once, and nothing the second time', async () => {
    const { invalidator, store } = embedded();
    store('ada', 'user:ada');
    store('ada', 'user:ada');

    expect(await invalidator.removeOwner('ada')).toBe(1);
    expect(await invalidator.removeOwner('ada')).toBe(0);
  });
});
