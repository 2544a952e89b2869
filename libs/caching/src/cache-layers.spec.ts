import { loadConfig } from '@app/config';
import { RedisConnection } from '@app/redis';
import { describe, expect, it } from 'vitest';
import { CacheLayers, entrySize } from './cache-layers.js';

function memoryLayer(env: Record<string, string>): CacheLayers {
  const config = loadConfig(env);
  return new CacheLayers(config, new RedisConnection(config));
}

describe('CacheLayers memory layer', () => {
  it('keeps within its byte budget by dropping the least recently used entries', async () => {
    const layers = memoryLayer({ CACHE_MEMORY_MAX_MB: '1' });
    const page = { orders: 'x'.repeat(100_000) };
    for (let index = 0; index < 20; index += 1) {
      await layers.memory.set(`orders:${index}`, page, 60_000);
    }
    // About ten 100 kB pages fit in 1 MiB: the first ones are gone, the latest are there.
    expect(await layers.memory.get('orders:0')).toBeUndefined();
    expect(await layers.memory.get('orders:19')).toEqual(page);
  });

  it('keeps within its entry count even when entries are small', async () => {
    const layers = memoryLayer({ CACHE_MEMORY_MAX_ENTRIES: '5' });
    for (let index = 0; index < 10; index += 1) {
      await layers.memory.set(`user:${index}`, { id: index }, 60_000);
    }
    expect(await layers.memory.get('user:4')).toBeUndefined();
    expect(await layers.memory.get('user:9')).toEqual({ id: 9 });
  });

  it('hands back the stored object itself, and forgets it when its time is up', async () => {
    const layers = memoryLayer({});
    const entry = { value: 1 };
    await layers.memory.set('k', entry, 20);
    expect(await layers.memory.get('k')).toBe(entry);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await layers.memory.get('k')).toBeUndefined();
  });

  it('shares its entries between the direct reads and writes and Keyv, so a delete through either is seen by both', async () => {
    const layers = memoryLayer({});
    const written = { id: 'direct' };
    layers.writeMemory('direct', written, 60_000);
    expect(await layers.memory.get('direct')).toBe(written);
    await layers.memory.set('keyv', { id: 'keyv' }, 60_000);
    expect(layers.readMemory('keyv')).toEqual({ id: 'keyv' });
    await layers.memory.delete('direct');
    expect(layers.readMemory('direct')).toBeUndefined();
  });

  it('drops a directly written entry once its time is up, and counts it against the same bounds', async () => {
    const layers = memoryLayer({ CACHE_MEMORY_MAX_ENTRIES: '2' });
    layers.writeMemory('short', { id: 1 }, 20);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(layers.readMemory('short')).toBeUndefined();
    expect(layers.holdsInMemory('short')).toBe(false);
    for (let index = 0; index < 3; index += 1) {
      layers.writeMemory(`user:${index}`, { id: index }, 60_000);
    }
    expect(layers.readMemory('user:0')).toBeUndefined();
    expect(layers.readMemory('user:2')).toEqual({ id: 2 });
  });
});

describe('CacheLayers owner invalidation', () => {
  it("makes a user's entries read as absent at once, through the direct reads and Keyv alike, and leaves other users' entries", async () => {
    const layers = memoryLayer({});
    layers.writeMemory('user:ada', { id: 'ada' }, 60_000, 'ada');
    layers.writeMemory('orders:ada', { items: [] }, 60_000, 'ada');
    layers.writeMemory('user:bob', { id: 'bob' }, 60_000, 'bob');

    layers.invalidateOwner('ada');

    expect(layers.readMemory('user:ada')).toBeUndefined();
    expect(await layers.memory.get('orders:ada')).toBeUndefined();
    expect(await layers.memory.has('orders:ada')).toBe(false);
    expect(layers.holdsInMemory('user:ada')).toBe(false);
    expect(layers.readMemory('user:bob')).toEqual({ id: 'bob' });
  });

  it("serves a user's entry written after their invalidation", () => {
    const layers = memoryLayer({});
    layers.writeMemory('user:ada', { v: 1 }, 60_000, 'ada');
    layers.invalidateOwner('ada');
    layers.writeMemory('user:ada', { v: 2 }, 60_000, 'ada');

    expect(layers.readMemory('user:ada')).toEqual({ v: 2 });
  });

  it("leaves an entry stored without an owner, such as an idempotent replay's, to be deleted by its key", () => {
    const layers = memoryLayer({});
    layers.writeMemory('user:ada', { id: 'ada' }, 60_000);
    layers.invalidateOwner('ada');

    expect(layers.readMemory('user:ada')).toEqual({ id: 'ada' });
  });

  it("removes and names only a user's entries still held and current", async () => {
    const layers = memoryLayer({ CACHE_MEMORY_MAX_ENTRIES: '4' });
    layers.writeMemory('evicted:ada', { n: 0 }, 60_000, 'ada');
    layers.writeMemory('short:ada', { n: 1 }, 20, 'ada');
    layers.writeMemory('user:ada', { n: 2 }, 60_000, 'ada');
    layers.writeMemory('orders:ada', { n: 3 }, 60_000, 'ada');
    layers.writeMemory('user:bob', { n: 4 }, 60_000, 'bob');
    await new Promise((resolve) => setTimeout(resolve, 40));

    expect(layers.removeOwnedEntries('ada').sort()).toEqual(['orders:ada', 'user:ada']);
    expect(layers.holdsInMemory('user:ada')).toBe(false);
    expect(layers.removeOwnedEntries('ada')).toEqual([]);
    expect(layers.readMemory('user:bob')).toEqual({ n: 4 });

    layers.writeMemory('user:bob', { n: 5 }, 60_000, 'bob');
    layers.invalidateOwner('bob');
    expect(layers.removeOwnedEntries('bob')).toEqual([]);
  });
});

describe('entrySize', () => {
  it('counts an entry by its JSON, so a large page weighs more than a small profile', () => {
    expect(entrySize('k', { a: 'x'.repeat(1000) })).toBeGreaterThan(1000);
    expect(entrySize('k', { a: 1 })).toBeLessThan(20);
  });

  it('weighs a nested answer at about the length of its JSON', () => {
    const page = {
      items: Array.from({ length: 20 }, (_, n) => ({
        id: `ord-${n}`,
        total: { amount: 1234 + n, currency: 'EUR' },
        placedAt: '2026-01-01T00:00:00.000Z',
        gift: n % 2 === 0,
        note: null,
      })),
      nextCursor: 'abc',
    };
    const json = JSON.stringify(page).length;
    expect(entrySize('k', page)).toBeGreaterThan(json * 0.8);
    expect(entrySize('k', page)).toBeLessThan(json * 1.25);
  });

  it('still counts a value JSON cannot hold, and a cycle does not hang the store', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    cyclic.again = cyclic;
    expect(entrySize('k', cyclic)).toBeGreaterThan(0);
  });
});
