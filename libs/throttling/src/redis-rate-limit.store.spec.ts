import { loadConfig } from '@app/config';
import { RedisConnection } from '@app/redis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  const windows = (user: string) => [
    { key: `burst:${user}`, cost: 1, windowMs: 10_000, limit: 2, blockMs: 10_000 },
    { key: `sustained:${user}`, cost: 1, windowMs: 60_000, limit: 100, blockMs: 60_000 },
  ];

  it('spends in every window in one step and reports each standing', async () => {
    const counters = await store.consumeInOrder(windows('ada'));

    expect(counters).toHaveLength(2);
    expect(counters?.[0]).toMatchObject({ hits: 1, blocked: false });
    expect(counters?.[1]).toMatchObject({ hits: 1, blocked: false });
    expect(counters?.[1].resetInMs).toBeGreaterThan(50_000);
  });

  it('stops at the window that refuses: the later windows are not spent, then or while it blocks', async () => {
    await store.consumeInOrder(windows('bob'));
    await store.consumeInOrder(windows('bob'));

    const refused = await store.consumeInOrder(windows('bob'));
    expect(refused).toHaveLength(1);
    expect(refused?.[0]).toMatchObject({ hits: 3, blocked: true });
    expect(refused?.[0].blockedForMs).toBeGreaterThan(9_000);

    const stillRefused = await store.consumeInOrder(windows('bob'));
    expect(stillRefused).toHaveLength(1);
    expect(stillRefused?.[0]).toMatchObject({ blocked: true });
    expect(await store.peek('sustained:bob')).toMatchObject({ hits: 2, blocked: false });
  });

  it('answers requests sent in the same moment each with its own standing, in the order they came', async () => {
    const answers = await Promise.all([
      store.consumeInOrder(windows('cy')),
      store.consumeInOrder(windows('dee')),
      store.consumeInOrder(windows('cy')),
      store.consumeInOrder(windows('cy')),
      store.consumeInOrder([]),
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
    await store.consumeInOrder([spend]);
    expect(await store.consumeInOrder([spend])).toMatchObject([{ hits: 2, blocked: true }]);

    await sleep(300);
    const afterWindow = await store.consumeInOrder([spend]);
    expect(afterWindow).toMatchObject([{ hits: 2, blocked: true }]);
    expect(afterWindow?.[0].blockedForMs).toBeGreaterThan(0);

    await sleep(450);
    expect(await store.consumeInOrder([spend])).toMatchObject([{ hits: 1, blocked: false }]);
  });

  it('counts every one of a crowd of requests arriving at once', async () => {
    const crowd = Array.from({ length: 150 }, (_, n) => store.consumeInOrder(windows(`crowd-${n % 3}`)));
    const answers = await Promise.all(crowd);

    expect(answers.every((counters) => counters !== undefined)).toBe(true);
    expect(await store.peek('burst:crowd-0')).toMatchObject({ hits: 3, blocked: true });
    expect(await store.peek('sustained:crowd-1')).toMatchObject({ hits: 2, blocked: false });
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
