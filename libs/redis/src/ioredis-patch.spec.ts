import { Command, Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';

/*
 * patches/ioredis+6.0.0.patch, applied by `npm ci` (postinstall) and the
 * Dockerfile. ioredis 6 gave every pipeline, and so every auto-pipelined
 * batch, its own `length` getter. That getter's closure hangs off a hidden
 * class of its own, which V8's young-generation collector takes for live,
 * so each finished batch was promoted to the old generation: 14 KB a cache
 * miss on Redis, and twice the collector's time. And every command copied
 * its arguments with Array.prototype.flat(), whose generic walk took about
 * 40 µs for a batched script's few hundred arguments (bench/RESULTS.md).
 * The patch's third part, a command timeout decided only after the loop's
 * next read of its sockets, needs a real Redis: redis-connection.spec.ts.
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

describe('ioredis commands (patched)', () => {
  it('copy flat arguments without Array.prototype.flat, which walked a batched script’s hundreds for 40 µs', () => {
    const flat = vi.spyOn(Array.prototype, 'flat');
    try {
      const command = new Command('evalsha', ['sha', 2, 'key:1', 'key:2', 'text', 60_000]);
      expect(command.args).toEqual(['sha', '2', 'key:1', 'key:2', 'text', '60000']);
      expect(flat).not.toHaveBeenCalled();
    } finally {
      flat.mockRestore();
    }
  });

  it('still spread an array handed as one argument into arguments of their own', () => {
    expect(new Command('sadd', ['owner', ['a', 'b'], 'c']).args).toEqual(['owner', 'a', 'b', 'c']);
  });

  it("keep a copy of flat arguments, so a key prefix never rewrites the caller's array", () => {
    const args = ['key', 'value'];
    const command = new Command('set', args, { keyPrefix: 'app:' });

    expect(command.args).toEqual(['app:key', 'value']);
    expect(args).toEqual(['key', 'value']);
  });
});
