import { MemoryRateLimitStore } from './memory-rate-limit.store.js';

describe(MemoryRateLimitStore.name, () => {
  let now = 0;
  const store = (): MemoryRateLimitStore => new MemoryRateLimitStore(() => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  it('counts units within the window and reports what is left', async () => {
    const limits = store();
    await limits.consume('user:u1', 1, 1000, 3, 1000);
    const second = await limits.consume('user:u1', 1, 1000, 3, 1000);
    expect(second).toEqual({ hits: 2, resetInMs: 1000, blocked: false, blockedForMs: 0 });
  });

  it('blocks the caller past the limit, for the block duration, without counting blocked requests', async () => {
    const limits = store();
    for (let call = 0; call < 3; call += 1) {
      await limits.consume('user:u1', 1, 1000, 3, 5000);
    }
    expect(await limits.consume('user:u1', 1, 1000, 3, 5000)).toMatchObject({
      hits: 4,
      blocked: true,
      blockedForMs: 5000,
    });
    now += 2000;
    expect(await limits.consume('user:u1', 1, 1000, 3, 5000)).toMatchObject({
      hits: 4,
      blocked: true,
      blockedForMs: 3000,
    });
    now += 3000;
    expect(await limits.consume('user:u1', 1, 1000, 3, 5000)).toMatchObject({ hits: 1, blocked: false });
  });

  it('spends a route cost of several units at once', async () => {
    const limits = store();
    expect(await limits.consume('user:u1', 3, 1000, 7, 1000)).toMatchObject({ hits: 3, blocked: false });
    expect(await limits.consume('user:u1', 3, 1000, 7, 1000)).toMatchObject({ hits: 6, blocked: false });
    expect(await limits.consume('user:u1', 3, 1000, 7, 1000)).toMatchObject({ hits: 9, blocked: true });
  });

  it('starts a new window when the old one ends', async () => {
    const limits = store();
    await limits.consume('user:u1', 2, 1000, 3, 1000);
    now += 1000;
    expect(await limits.consume('user:u1', 1, 1000, 3, 1000)).toMatchObject({ hits: 1, resetInMs: 1000 });
  });

  it("never lets one caller's requests count against another's", async () => {
    const limits = store();
    for (let call = 0; call < 10; call += 1) {
      await limits.consume('user:flooder', 1, 1000, 3, 1000);
    }
    expect(await limits.consume('user:quiet', 1, 1000, 3, 1000)).toMatchObject({ hits: 1, blocked: false });
  });

  it('shows a key without spending anything', async () => {
    const limits = store();
    expect(await limits.peek('user:u1')).toBeUndefined();
    await limits.consume('user:u1', 2, 1000, 3, 1000);
    expect(await limits.peek('user:u1')).toMatchObject({ hits: 2 });
    expect(await limits.peek('user:u1')).toMatchObject({ hits: 2 });
  });
});
