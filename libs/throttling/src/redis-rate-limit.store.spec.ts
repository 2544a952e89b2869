import { loadConfig } from '@app/config';
import { RedisConnection } from '@app/redis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_UNTIL_RESET, type WindowSpend } from './rate-counter.js';
import { RedisRateLimitStore } from './redis-rate-limit.store.js';

const url = process.env.REDIS_URL;

describe.skipIf(url === undefined)('RedisRateLimitStore (real Redis)', () => {
  const prefix = `test:${randomUUID()}:`;
  let connection: RedisConnection;
  let store: RedisRateLimitStore;

  beforeAll(async () => {
    connection = new RedisConnection(loadConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix }));
    await connection.onModuleInit();
    store = new RedisRateLimitStore(connection, `${prefix}ratelimit:`);
  });

  afterAll(async () => {
    const admin = new Redis(url as string);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) {
      await admin.del(...keys);
    }
    admin.disconnect();
    await connection.onApplicationShutdown();
  });

  const consume = async (spends: readonly WindowSpend[]) => (await store.consumeInOrder(spends))?.counters;

  const windows = (user: string) => [
    { key: `burst:${user}`, cost: 1, windowMs: 10_000, limit: 2, blockMs: 10_000 },
    { key: `sustained:${user}`, cost: 1, windowMs: 60_000, limit: 100, blockMs: 60_000 },
  ];

  it('spends in every window in one step and reports each standing', async () => {
    const counters = await consume(windows('ada'));

    expect(counters).toHaveLength(2);
    expect(counters?.[0]).toMatchObject({ hits: 1, blocked: false });
    expect(counters?.[1]).toMatchObject({ hits: 1, blocked: false });
    expect(counters?.[1].resetInMs).toBeGreaterThan(50_000);
  });

  it('stops at the window that refuses: the later windows are not spent, then or while it blocks', async () => {
    await consume(windows('bob'));
    await consume(windows('bob'));

    const refused = await consume(windows('bob'));
    expect(refused).toHaveLength(1);
    expect(refused?.[0]).toMatchObject({ hits: 3, blocked: true });
    expect(refused?.[0].blockedForMs).toBeGreaterThan(9_000);

    const stillRefused = await consume(windows('bob'));
    expect(stillRefused).toHaveLength(1);
    expect(stillRefused?.[0]).toMatchObject({ blocked: true });
    expect(await store.peek('sustained:bob')).toMatchObject({ hits: 2, blocked: false });
  });

  it("keeps a user whose id is another's plus ':blocked' apart from that user's block", async () => {
    const user = 'user:dee';
    const neighbour = 'user:dee:blocked';
    expect((await consume(windows(neighbour)))?.[0]).toMatchObject({ hits: 1, blocked: false });

    expect((await store.peek(`burst:${user}`))?.blocked ?? false).toBe(false);
    expect((await consume(windows(user)))?.[0]).toMatchObject({ hits: 1, blocked: false });
    await consume(windows(user));
    await consume(windows(user));
    expect(await store.peek(`burst:${neighbour}`)).toMatchObject({ hits: 1, blocked: false });
  });

  it('charges a request a later window refuses to none of the windows before it', async () => {
    const narrowLast = [
      { key: 'wide:cyd', cost: 3, windowMs: 10_000, limit: 100, blockMs: 10_000 },
      { key: 'narrow:cyd', cost: 3, windowMs: 60_000, limit: 6, blockMs: 60_000 },
    ];
    await consume(narrowLast);
    await consume(narrowLast);

    const refused = await consume(narrowLast);
    expect(refused?.[1]).toMatchObject({ blocked: true });
    expect(await store.peek('wide:cyd')).toMatchObject({ hits: 6 });
  });

  it('answers requests sent in the same moment each with its own standing, in the order they came', async () => {
    const answers = await Promise.all([
      consume(windows('cy')),
      consume(windows('dee')),
      consume(windows('cy')),
      consume(windows('cy')),
      consume([]),
    ]);

    expect(answers.map((counters) => counters?.map(({ hits, blocked }) => ({ hits, blocked })))).toEqual([
      [
        { hits: 1, blocked: false },
        { hits: 1, blocked: false },
      ],
      [
        { hits: 1, blocked: false },
        { hits: 1, blocked: false },
      ],
      [
        { hits: 2, blocked: false },
        { hits: 2, blocked: false },
      ],
      [{ hits: 3, blocked: true }],
      [],
    ]);
    expect(await store.peek('sustained:cy')).toMatchObject({ hits: 2 });
  });

  it('keeps a caller blocked for the whole block even when it outlasts the window, then gives them a new window', async () => {
    const spend = { key: 'burst:fay', cost: 1, windowMs: 150, limit: 1, blockMs: 600 };
    await consume([spend]);
    expect(await consume([spend])).toMatchObject([{ hits: 2, blocked: true }]);

    await sleep(300);
    const afterWindow = await consume([spend]);
    expect(afterWindow).toMatchObject([{ hits: 2, blocked: true }]);
    expect(afterWindow?.[0].blockedForMs).toBeGreaterThan(0);

    await sleep(450);
    expect(await consume([spend])).toMatchObject([{ hits: 1, blocked: false }]);
  });

  it('blocks a caller with no block of its own until the window resets, not a whole window from the refusal', async () => {
    const spend = { key: 'burst:gus', cost: 1, windowMs: 400, limit: 1, blockMs: BLOCK_UNTIL_RESET };
    await consume([spend]);
    await sleep(200);
    const [refused] = (await consume([spend])) ?? [];
    expect(refused).toMatchObject({ blocked: true });
    expect(refused.blockedForMs).toBeLessThanOrEqual(refused.resetInMs);

    await sleep(250);
    expect(await consume([spend])).toMatchObject([{ hits: 1, blocked: false }]);
  });

  it('counts every one of a crowd of requests arriving at once', async () => {
    const crowd = Array.from({ length: 150 }, (_, n) => consume(windows(`crowd-${n % 3}`)));
    const answers = await Promise.all(crowd);

    expect(answers.every((counters) => counters !== undefined)).toBe(true);
    expect(await store.peek('burst:crowd-0')).toMatchObject({ hits: 3, blocked: true });
    expect(await store.peek('sustained:crowd-1')).toMatchObject({ hits: 2, blocked: false });
  });

  const roomy = (user: string): WindowSpend[] => [
    { key: `burst:${user}`, cost: 3, windowMs: 10_000, limit: 10_000, blockMs: 10_000 },
    { key: `sustained:${user}`, cost: 3, windowMs: 60_000, limit: 1_000_000, blockMs: 60_000 },
  ];

  it('leases units in every window to a caller it counted before, far from its limits, and none to a new one', async () => {
    const first = await store.consumeInOrder(roomy('lee'), 64);
    expect(first).toMatchObject({ granted: 0, counters: [{ hits: 3 }, { hits: 3 }] });

    const second = await store.consumeInOrder(roomy('lee'), 64);
    expect(second).toMatchObject({ granted: 64, counters: [{ hits: 6 }, { hits: 6 }] });
    expect(await store.peek('burst:lee')).toMatchObject({ hits: 70 });
    expect(await store.peek('sustained:lee')).toMatchObject({ hits: 70 });
  });

  it('leases units to a returning caller with the first request of a window that started again', async () => {
    const spends = roomy('ned');
    const shortBurst: WindowSpend[] = [{ ...spends[0], windowMs: 100 }, spends[1]];
    await store.consumeInOrder(shortBurst, 64);
    await sleep(150);

    expect(await store.consumeInOrder(shortBurst, 64)).toMatchObject({
      granted: 64,
      counters: [{ hits: 3 }, { hits: 6 }],
    });
  });

  it('leases nothing to a caller whose tightest window has less than 32 leases left, so near a limit every request counts here', async () => {
    const tight: WindowSpend[] = [
      { key: 'burst:max', cost: 1, windowMs: 10_000, limit: 64 * 32 + 2, blockMs: 10_000 },
      { key: 'sustained:max', cost: 1, windowMs: 60_000, limit: 1_000_000, blockMs: 60_000 },
    ];
    await store.consumeInOrder(tight, 64);
    expect(await store.consumeInOrder(tight, 64)).toMatchObject({ granted: 64 });
    expect(await store.consumeInOrder(tight, 64)).toMatchObject({
      granted: 0,
      counters: [{ hits: 67 }, { hits: 67 }],
    });
  });

  it('takes back the units an ended lease gives back, from the windows Redis still holds only', async () => {
    await store.consumeInOrder(roomy('mo'));
    await store.consumeInOrder(roomy('mo'), 64);
    await connection.client?.del(`${prefix}ratelimit:burst:mo`);

    const giving = await store.consumeInOrder(roomy('mo'), 0, [64, 60]);
    expect(giving).toMatchObject({ granted: 0, counters: [{ hits: 3 }, { hits: 73 - 60 }] });
    expect(await store.peek('burst:mo')).toMatchObject({ hits: 3 });
  });
});

describe('RedisRateLimitStore without Redis', () => {
  it('answers every waiting request that Redis cannot count, so the gateway can fall back', async () => {
    const connection = new RedisConnection(loadConfig({}));
    const store = new RedisRateLimitStore(connection, 'unused:');
    const spend = { key: 'burst:eve', cost: 1, windowMs: 1_000, limit: 5, blockMs: 1_000 };

    expect(await Promise.all([store.consumeInOrder([spend]), store.consumeInOrder([spend])])).toEqual([
      undefined,
      undefined,
    ]);
  });
});
