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

describe('CacheLayers owner index', () => {
  it("lists a user's entries while they are held, and forgets those evicted or deleted", async () => {
    const layers = memoryLayer({ CACHE_MEMORY_MAX_ENTRIES: '3' });
    layers.writeMemory('user:ada', { id: 'ada' }, 60_000, 'ada');
    layers.writeMemory('orders:ada', { items: [] }, 60_000, 'ada');
    layers.writeMemory('user:bob', { id: 'bob' }, 60_000, 'bob');
    expect(layers.memoryKeysOf('ada').sort()).toEqual(['orders:ada', 'user:ada']);

    layers.writeMemory('orders:bob', { items: [] }, 60_000, 'bob');
    expect(layers.memoryKeysOf('ada')).toEqual(['orders:ada']);
    await layers.memory.delete('orders:ada');
    expect(layers.memoryKeysOf('ada')).toEqual([]);
    expect(layers.memoryKeysOf('bob').sort()).toEqual(['orders:bob', 'user:bob']);
  });

  it('keeps a key listed once when its entry is stored again, and moves it when another owner overwrites it', () => {
    const layers = memoryLayer({});
    layers.writeMemory('shared', { v: 1 }, 60_000, 'ada');
    layers.writeMemory('shared', { v: 2 }, 60_000, 'ada');
    expect(layers.memoryKeysOf('ada')).toEqual(['shared']);

    layers.writeMemory('shared', { v: 3 }, 60_000, 'bob');
    expect(layers.memoryKeysOf('ada')).toEqual([]);
    expect(layers.memoryKeysOf('bob')).toEqual(['shared']);
  });

  it('does not list an entry too large for the whole budget, nor keep listing what it replaced', () => {
    const layers = memoryLayer({ CACHE_MEMORY_MAX_MB: '1' });
    layers.writeMemory('orders:ada', { page: 1 }, 60_000, 'ada');
    layers.writeMemory('orders:ada', { orders: 'x'.repeat(2 * 1024 * 1024) }, 60_000, 'ada');
    expect(layers.holdsInMemory('orders:ada')).toBe(false);
    expect(layers.memoryKeysOf('ada')).toEqual([]);
  });

  it('stops listing an entry that is found expired', async () => {
    const layers = memoryLayer({});
    layers.writeMemory('short', { id: 1 }, 20, 'ada');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(layers.readMemory('short')).toBeUndefined();
    expect(layers.memoryKeysOf('ada')).toEqual([]);
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
