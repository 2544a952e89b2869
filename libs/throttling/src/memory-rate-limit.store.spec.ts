import { MemoryRateLimitStore } from './memory-rate-limit.store.js';
import type { RateCounter } from './rate-counter.js';

/** One window on its own. */
async function consume(
  store: MemoryRateLimitStore,
  key: string,
  cost: number,
  windowMs: number,
  limit: number,
  blockMs: number,
): Promise<RateCounter> {
  const [counter] = await store.consumeInOrder([{ key, cost, windowMs, limit, blockMs }]);
  return counter;
}

describe(MemoryRateLimitStore.name, () => {
  let now = 0;
  const store = (): MemoryRateLimitStore => new MemoryRateLimitStore(() => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  it('counts units within the window and reports what is left', async () => {
    const limits = store();
    await consume(limits, 'user:u1', 1, 1000, 3, 1000);
    const second = await consume(limits, 'user:u1', 1, 1000, 3, 1000);
    expect(second).toEqual({ hits: 2, resetInMs: 1000, blocked: false, blockedForMs: 0 });
  });

  it('blocks the caller past the limit, for the block duration, without counting blocked requests', async () => {
    const limits = store();
    for (let call = 0; call < 3; call += 1) {
      await consume(limits, 'user:u1', 1, 1000, 3, 5000);
    }
    expect(await consume(limits, 'user:u1', 1, 1000, 3, 5000)).toMatchObject({
      hits: 4,
      blocked: true,
      blockedForMs: 5000,
    });
    now += 2000;
    expect(await consume(limits, 'user:u1', 1, 1000, 3, 5000)).toMatchObject({
      hits: 4,
      blocked: true,
      blockedForMs: 3000,
    });
    now += 3000;
    expect(await consume(limits, 'user:u1', 1, 1000, 3, 5000)).toMatchObject({ hits: 1, blocked: false });
  });

  it('spends a route cost of several units at once', async () => {
    const limits = store();
    expect(await consume(limits, 'user:u1', 3, 1000, 7, 1000)).toMatchObject({ hits: 3, blocked: false });
    expect(await consume(limits, 'user:u1', 3, 1000, 7, 1000)).toMatchObject({ hits: 6, blocked: false });
    expect(await consume(limits, 'user:u1', 3, 1000, 7, 1000)).toMatchObject({ hits: 9, blocked: true });
  });

  it('starts a new window when the old one ends', async () => {
    const limits = store();
    await consume(limits, 'user:u1', 2, 1000, 3, 1000);
    now += 1000;
    expect(await consume(limits, 'user:u1', 1, 1000, 3, 1000)).toMatchObject({ hits: 1, resetInMs: 1000 });
  });

  it("never lets one caller's requests count against another's", async () => {
    const limits = store();
    for (let call = 0; call < 10; call += 1) {
      await consume(limits, 'user:flooder', 1, 1000, 3, 1000);
    }
    expect(await consume(limits, 'user:quiet', 1, 1000, 3, 1000)).toMatchObject({ hits: 1, blocked: false });
  });

  it('shows a key without spending anything', async () => {
    const limits = store();
    expect(await limits.peek('user:u1')).toBeUndefined();
    await consume(limits, 'user:u1', 2, 1000, 3, 1000);
    expect(await limits.peek('user:u1')).toMatchObject({ hits: 2 });
    expect(await limits.peek('user:u1')).toMatchObject({ hits: 2 });
  });

  it('spends nothing in the later windows once an earlier one refuses the request', async () => {
    const limits = store();
    const burst = { key: 'burst:user:u1', cost: 1, windowMs: 1000, limit: 1, blockMs: 1000 };
    const sustained = { key: 'sustained:user:u1', cost: 1, windowMs: 60_000, limit: 100, blockMs: 60_000 };
    expect(await limits.consumeInOrder([burst, sustained])).toMatchObject([{ hits: 1 }, { hits: 1 }]);

    const refused = await limits.consumeInOrder([burst, sustained]);

    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ blocked: true });
    expect(await limits.peek('sustained:user:u1')).toMatchObject({ hits: 1 });
  });

  it('charges a request a later window refuses to none of the windows before it', async () => {
    const limits = store();
    const wide = { key: 'wide:user:u1', cost: 3, windowMs: 10_000, limit: 100, blockMs: 10_000 };
    const narrow = { key: 'narrow:user:u1', cost: 3, windowMs: 60_000, limit: 6, blockMs: 60_000 };
    await limits.consumeInOrder([wide, narrow]);
    await limits.consumeInOrder([wide, narrow]);

    const refused = await limits.consumeInOrder([wide, narrow]);

    expect(refused[1]).toMatchObject({ blocked: true });
    expect(await limits.peek('wide:user:u1')).toMatchObject({ hits: 6 });
  });

  it('keeps windows for at most its budget of callers, letting the one idle longest go first', async () => {
    const limits = new MemoryRateLimitStore(() => now, 3);
    for (const caller of ['a', 'b', 'c']) {
      await consume(limits, `user:${caller}`, 1, 60_000, 10, 1000);
    }
    await consume(limits, 'user:a', 1, 60_000, 10, 1000);
    await consume(limits, 'user:d', 1, 60_000, 10, 1000);

    expect(await limits.peek('user:b')).toBeUndefined();
    expect(await limits.peek('user:a')).toMatchObject({ hits: 2 });
    expect(await limits.peek('user:c')).toMatchObject({ hits: 1 });
    expect(await limits.peek('user:d')).toMatchObject({ hits: 1 });
  });

  it('starts a new caller from nothing when their window takes the place of an evicted, blocked one', async () => {
    const limits = new MemoryRateLimitStore(() => now, 1);
    await consume(limits, 'user:flooder', 5, 60_000, 3, 60_000);
    expect(await limits.peek('user:flooder')).toMatchObject({ blocked: true });

    expect(await consume(limits, 'user:newcomer', 1, 1000, 3, 1000)).toEqual({
      hits: 1,
      resetInMs: 1000,
      blocked: false,
      blockedForMs: 0,
    });
    expect(await limits.peek('user:flooder')).toBeUndefined();
    expect(await consume(limits, 'user:flooder', 1, 60_000, 3, 60_000)).toMatchObject({
      hits: 1,
      blocked: false,
    });
  });
});
