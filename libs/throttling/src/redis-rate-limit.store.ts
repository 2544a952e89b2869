import type { LuaScript, RedisConnection } from '@app/redis';
import type { RateCounter, WindowSpend } from './rate-counter.js';

/*
 * One round trip for every window of a request, atomic across every
 * gateway instance. Window by window: a blocked key stays blocked and ends
 * the walk; otherwise the window's counter grows by the request's cost
 * (starting its expiry on first use), and a counter past the limit blocks
 * the key and ends the walk. Ours rather than @nest-lab/throttler-storage-redis because a
 * request may cost several units, which that storage cannot count.
 */
const CONSUME_IN_ORDER: LuaScript = {
  lua: `
local counters = {}
for window = 1, #KEYS / 2 do
  local counterKey, blockKey = KEYS[window * 2 - 1], KEYS[window * 2]
  local cost, windowMs, limit, blockMs = ARGV[window * 4 - 3], ARGV[window * 4 - 2], ARGV[window * 4 - 1], ARGV[window * 4]
  local blockTtl = redis.call('PTTL', blockKey)
  if blockTtl > 0 then
    local hits = tonumber(redis.call('GET', counterKey) or '0')
    counters[window] = {hits, math.max(redis.call('PTTL', counterKey), 0), 1, blockTtl}
    return counters
  end
  local hits = redis.call('INCRBY', counterKey, cost)
  local ttl = redis.call('PTTL', counterKey)
  if ttl < 0 then
    redis.call('PEXPIRE', counterKey, windowMs)
    ttl = tonumber(windowMs)
  end
  if hits > tonumber(limit) then
    redis.call('SET', blockKey, '1', 'PX', blockMs)
    counters[window] = {hits, ttl, 1, tonumber(blockMs)}
    return counters
  end
  counters[window] = {hits, ttl, 0, 0}
end
return counters
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

  /** Undefined when Redis cannot answer. */
  async consumeInOrder(spends: readonly WindowSpend[]): Promise<RateCounter[] | undefined> {
    const reply = await this.redis.runScript(
      CONSUME_IN_ORDER,
      spends.flatMap(({ key }) => [this.counterKey(key), this.blockKey(key)]),
      spends.flatMap(({ cost, windowMs, limit, blockMs }) => [cost, windowMs, limit, blockMs]),
    );
    if (!Array.isArray(reply) || reply.length === 0) {
      return undefined;
    }
    const counters = reply.map(counterOf);
    return counters.every((counter) => counter !== undefined) ? counters : undefined;
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
