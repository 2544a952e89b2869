import { loadConfig } from '@app/config';
import { RedisConnection } from '@app/redis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayRateLimitStore } from './gateway-rate-limit.store.js';
import type { WindowSpend } from './rate-counter.js';

const url = process.env.REDIS_URL;

/*
 * Two gateway instances' stores on one Redis, as two replicas behind a
 * load balancer share it: each with its own connection and its own leases.
 */
describe.skipIf(url === undefined)('GatewayRateLimitStore, two instances on one Redis', () => {
  const prefix = `test:${randomUUID()}:`;
  const connections: RedisConnection[] = [];
  const instances: GatewayRateLimitStore[] = [];

  beforeAll(async () => {
    const config = loadConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix });
    for (let n = 0; n < 2; n += 1) {
      const connection = new RedisConnection(config);
      await connection.onModuleInit();
      connections.push(connection);
      instances.push(new GatewayRateLimitStore(config, connection));
    }
  });

  /** Reads Redis as an operator would, on the first instance's own connection. */
  const redis = () => {
    const client = connections[0].client;
    if (client === undefined) {
      throw new Error('the first instance has no Redis connection');
    }
    return client;
  };

  afterAll(async () => {
    for await (const keys of redis().scanStream({ match: `${prefix}*` })) {
      if ((keys as string[]).length > 0) {
        await redis().unlink(...(keys as string[]));
      }
    }
    await Promise.all(connections.map((connection) => connection.onApplicationShutdown()));
  });

  const windows = (user: string, burstLimit: number): WindowSpend[] => [
    { key: `burst:${user}`, cost: 1, windowMs: 60_000, limit: burstLimit, blockMs: 60_000 },
    { key: `sustained:${user}`, cost: 1, windowMs: 60_000, limit: 100_000_000, blockMs: 60_000 },
  ];

  it('admits exactly the limit from requests alternating between the instances, however many each held ahead', async () => {
    const limit = 5_000;
    let admitted = 0;
    let refused = 0;
    for (let n = 0; n < limit + 200; n += 1) {
      const counters = await instances[n % 2].consumeInOrder(windows('alternating', limit));
      if (counters.some((counter) => counter.blocked)) {
        refused += 1;
      } else {
        admitted += 1;
      }
    }

    expect(admitted).toBe(limit);
    expect(refused).toBe(200);
  });

  it('counts most requests of a caller far from its limits without Redis, yet tells it what it spent on each', async () => {
    const spends = windows('busy', 1_000_000);
    const hits: number[] = [];
    for (let n = 0; n < 100; n += 1) {
      hits.push((await instances[0].consumeInOrder(spends))[1].hits);
    }

    expect(hits).toEqual(Array.from({ length: 100 }, (_, n) => n + 1));
    // The two requests that started the lease, and one more for each 64 units it held.
    const counted = Number(await redis().get(`${prefix}ratelimit:sustained:busy`));
    expect(counted).toBeGreaterThan(100);
    expect(counted).toBeLessThanOrEqual(100 + 64);
    expect(await instances[0].peek('sustained:busy')).toMatchObject({ hits: 100 });
  });

  it('counts a request to a route with a tighter limit of its own against what the caller spent, not what was leased', async () => {
    const spends = windows('mixed', 1_000_000);
    for (let n = 0; n < 3; n += 1) {
      await instances[0].consumeInOrder(spends);
    }
    const strict = windows('mixed', 10);

    const counters = await instances[0].consumeInOrder(strict);

    expect(counters[0]).toMatchObject({ hits: 4, blocked: false });
  });

  it('gives back the units a lease did not spend with the next request Redis counts, once the lease has ended', async () => {
    const spends = windows('returning', 1_000_000);
    const sustainedCount = async () => Number(await redis().get(`${prefix}ratelimit:sustained:returning`));
    for (let n = 0; n < 3; n += 1) {
      await instances[0].consumeInOrder(spends);
    }
    // Two counted in Redis, the second with a lease of 64; the third spent from it.
    expect(await sustainedCount()).toBe(2 + 64);

    await new Promise((resolve) => setTimeout(resolve, 1_050));
    const counters = await instances[0].consumeInOrder(spends);

    expect(counters[1].hits).toBe(4);
    // The 63 units not spent went back; the request itself was counted, and leased 64 anew.
    expect(await sustainedCount()).toBe(4 + 64);
    expect(await instances[0].peek('sustained:returning')).toMatchObject({ hits: 4 });
  });
});
