import type { LuaScript, RedisConnection } from '@app/redis';
import type { RateCounter } from './rate-counter.js';

/*
 * One round trip and atomic across every gateway instance: a blocked key
 * stays blocked, otherwise the window's counter grows by the request's cost
 * (starting its expiry on first use) and a counter past the limit blocks
 * the key. Ours rather than @nest-lab/throttler-storage-redis because a
 * request may cost several units, which that storage cannot count.
 */
const CONSUME: LuaScript = {
  lua: `
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return {hits, math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockTtl}
end
local hits = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if hits > tonumber(ARGV[3]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
  return {hits, ttl, 1, tonumber(ARGV[4])}
end
return {hits, ttl, 0, 0}
`,
};

const PEEK: LuaScript = {
  lua: `
local hits = redis.call('GET', KEYS[1])
local blockTtl = redis.call('PTTL', KEYS[2])
if not hits and blockTtl <= 0 then
  return false
end
return {tonumber(hits or '0'), math.max(redis.call('PTTL', KEYS[1]), 0), blockTtl > 0 and 1 or 0, math.max(blockTtl, 0)}
`,
};

function counterOf(reply: unknown): RateCounter | undefined {
  if (!Array.isArray(reply) || reply.length !== 4) {
    return undefined;
  }
  const [hits, resetInMs, blocked, blockedForMs] = reply.map(Number);
  return { hits, resetInMs, blocked: blocked === 1, blockedForMs };
}

/** Shared windows in Redis. Resolves undefined when Redis cannot answer; the caller decides what that means. */
export class RedisRateLimitStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async consume(
    key: string,
    cost: number,
    windowMs: number,
    limit: number,
    blockMs: number,
  ): Promise<RateCounter | undefined> {
    const reply = await this.redis.runScript(
      CONSUME,
      [this.counterKey(key), this.blockKey(key)],
      [cost, windowMs, limit, blockMs],
    );
    return counterOf(reply);
  }

  /** Undefined both when the key has no window and when Redis cannot answer. */
  async peek(key: string): Promise<RateCounter | undefined> {
    return counterOf(await this.redis.runScript(PEEK, [this.counterKey(key), this.blockKey(key)], []));
  }

  private counterKey(key: string): string {
    return `${this.prefix}${key}`;
  }

  private blockKey(key: string): string {
    return `${this.prefix}${key}:blocked`;
  }
}
