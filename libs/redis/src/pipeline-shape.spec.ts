import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

/*
 * patches/ioredis+6.0.0.patch, applied by `npm ci` (postinstall) and the
 * Dockerfile: ioredis 6 gave every pipeline, and so every auto-pipelined
 * batch, its own `length` getter. That getter's closure hangs off a hidden
 * class of its own, which V8's young-generation collector takes for live,
 * so each finished batch was promoted to the old generation: 14 KB a cache
 * miss on Redis, and twice the collector's time (bench/RESULTS.md).
 */
describe('ioredis pipelines (patched)', () => {
  const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });

  it('count their commands through a getter every pipeline shares, so a finished batch holds nothing alive', () => {
    const pipeline = client.pipeline();
    pipeline.get('a').get('b');

    expect(Object.getOwnPropertyDescriptor(pipeline, 'length')).toBeUndefined();
    expect(pipeline.length).toBe(2);
  });
});
