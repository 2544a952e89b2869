import { TurnBatch, type LuaScript, type RedisConnection } from '@app/redis';
import type { RateCounter, WindowSpend } from './rate-counter.js';
import { LEASE_SHARE, type SharedStanding } from './rate-leases.js';

/**
 * A window's block key is its counter's name with this after it, named inside the scripts rather than sent.
 * `#`, which no tracked id holds (user ids, consumer names, addresses): with `:blocked`, user `x:blocked`'s
 * counter was user `x`'s block key.
 */
const BLOCKED_SUFFIX = '#blocked';

/*
 * The windows of every request queued in one turn of the event loop, in one
 * script, atomic across every gateway instance. Request by request: first,
 * the units of a lease an instance gives back go back to their windows (a
 * window that has started again gets none from the gateway, and one Redis
 * no longer holds is left alone). Then window by window: the window's
 * counter grows by the request's cost (starting its expiry on first use); a
 * counter past the limit blocks the key, unless it is blocked already, when
 * the cost is given back: a blocked request counts for nothing. Either way
 * the walk ends there, and the earlier windows get the cost back: a request
 * refused is charged to none of them (as the memory store counts).
 * Blocking stretches the counter's life to at least the block's, so a
 * blocked key always has a counter past its limit, and a request under the
 * limit (nearly every one) costs two calls: INCRBY, then
 * PEXPIRE when it made the counter (its count is then the cost alone; a
 * counter an ended lease gave back to nothing starts its window again,
 * which holds nothing), else PTTL; asking PTTL of a new counter too cost
 * Redis a third call for each window of every new caller. Last, a request
 * every window admitted, of a caller a window had counted before (not a
 * new one, who may never be back), that asks for a lease is granted one
 * when every window has at least `share` leases' worth left: the units are
 * added to every window. ARGV: the number of requests and the share, then
 * for each request its number of windows and the lease it asks for, and
 * each window's cost, length, limit, block and units given back; KEYS:
 * each window's counter, in the same order, its block key being the
 * counter's name with {@link BLOCKED_SUFFIX} (one key per window to
 * send rather than two; the batch already spans callers, so it was never
 * one cluster slot's script). The reply is flat: per request, how many
 * windows it went through and the units leased, then four numbers per
 * window, its count without the lease. Ours rather than
 * @nest-lab/throttler-storage-redis because a request may cost several
 * units, which that storage cannot count.
 */
const CONSUME_BATCH: LuaScript = {
  lua: `
local reply = {}
local key, arg = 1, 3
local share = tonumber(ARGV[2])
for request = 1, tonumber(ARGV[1]) do
  local windows, lease = tonumber(ARGV[arg]), tonumber(ARGV[arg + 1])
  arg = arg + 2
  local firstKey = key
  for window = 0, windows - 1 do
    local givenBack = tonumber(ARGV[arg + window * 5 + 4])
    if givenBack > 0 and redis.call('EXISTS', KEYS[key + window]) == 1 then
      redis.call('DECRBY', KEYS[key + window], givenBack)
    end
  end
  local countAt = #reply + 1
  local walked, refused, known, room, spent = 0, false, false, math.huge, {}
  reply[countAt], reply[countAt + 1] = 0, 0
  for window = 1, windows do
    local counterKey = KEYS[key]
    local cost, windowMs, limit, blockMs = ARGV[arg], ARGV[arg + 1], tonumber(ARGV[arg + 2]), ARGV[arg + 3]
    key, arg = key + 1, arg + 5
    if not refused then
      walked = walked + 1
      local n = #reply
      local hits = redis.call('INCRBY', counterKey, cost)
      local ttl = tonumber(windowMs)
      if hits == tonumber(cost) then
        redis.call('PEXPIRE', counterKey, windowMs)
      else
        ttl = redis.call('PTTL', counterKey)
        if ttl < 0 then
          redis.call('PEXPIRE', counterKey, windowMs)
          ttl = tonumber(windowMs)
        else
          known = true
        end
      end
      if hits > limit then
        local blockKey = counterKey .. '${BLOCKED_SUFFIX}'
        local blockTtl = redis.call('PTTL', blockKey)
        if blockTtl > 0 then
          hits = redis.call('DECRBY', counterKey, cost)
        else
          blockTtl = tonumber(blockMs)
          if blockTtl < 0 then
            blockTtl = ttl
          end
          redis.call('SET', blockKey, '1', 'PX', blockTtl)
          if ttl < blockTtl then
            redis.call('PEXPIRE', counterKey, blockTtl)
          end
        end
        reply[n + 1], reply[n + 2], reply[n + 3], reply[n + 4] = hits, ttl, 1, blockTtl
        refused = true
        for at = 1, #spent, 2 do
          redis.call('DECRBY', spent[at], spent[at + 1])
        end
      else
        reply[n + 1], reply[n + 2], reply[n + 3], reply[n + 4] = hits, ttl, 0, 0
        room = math.min(room, limit - hits)
        spent[#spent + 1], spent[#spent + 2] = counterKey, cost
      end
    end
  end
  reply[countAt] = walked
  if lease > 0 and known and not refused and room >= lease * share then
    for window = firstKey, key - 1 do
      redis.call('INCRBY', KEYS[window], lease)
    end
    reply[countAt + 1] = lease
  end
end
return reply
`,
};

/** Requests per script: bounds how long one script holds Redis, which runs one command at a time. */
const MAX_BATCH = 64;

const PEEK: LuaScript = {
  lua: `
local hits = redis.call('GET', KEYS[1])
local blockTtl = redis.call('PTTL', KEYS[1] .. '${BLOCKED_SUFFIX}')
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

/** A request for the batch script: its windows, the lease it asks for, and per window the units an ended lease gives back. */
interface SharedSpend {
  spends: readonly WindowSpend[];
  lease: number;
  givenBack: readonly number[] | undefined;
}

/** Each request's standing from the batch script's flat reply; undefined unless the reply is whole. */
function standingsByRequest(reply: unknown, batch: readonly SharedSpend[]): SharedStanding[] | undefined {
  if (!Array.isArray(reply)) {
    return undefined;
  }
  const answers: SharedStanding[] = [];
  let at = 0;
  for (const { spends } of batch) {
    const walked = Number(reply[at]);
    const granted = Number(reply[at + 1]);
    if (
      !Number.isInteger(walked) ||
      walked < 1 ||
      walked > spends.length ||
      !Number.isInteger(granted) ||
      at + 2 + walked * 4 > reply.length
    ) {
      return undefined;
    }
    const counters: RateCounter[] = [];
    for (let window = 0; window < walked; window += 1) {
      const [hits, resetInMs, blocked, blockedForMs] = reply
        .slice(at + 2 + window * 4, at + 6 + window * 4)
        .map(Number);
      counters.push({ hits, resetInMs, blocked: blocked === 1, blockedForMs });
    }
    answers.push({ counters, granted });
    at += 2 + walked * 4;
  }
  return at === reply.length ? answers : undefined;
}

/** Shared windows in Redis. Resolves undefined when Redis cannot answer; the caller decides what that means. */
export class RedisRateLimitStore {
  /** Requests' spends from one turn of the event loop, in one script. */
  private readonly batches = new TurnBatch(
    (requests: readonly SharedSpend[]) => this.send(requests),
    MAX_BATCH,
  );

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  /**
   * Undefined when Redis cannot answer. Goes to Redis with every other
   * request's from this turn of the event loop. `lease` units are asked for
   * on top, granted only to a caller far from every limit
   * ({@link LEASE_SHARE}); `givenBack` returns a lease's unspent units.
   */
  consumeInOrder(
    spends: readonly WindowSpend[],
    lease = 0,
    givenBack?: readonly number[],
  ): Promise<SharedStanding | undefined> {
    return spends.length === 0
      ? Promise.resolve({ counters: [], granted: 0 })
      : this.batches.add({ spends, lease, givenBack });
  }

  /** Undefined both when the key has no window and when Redis cannot answer. */
  /** The key's counter; null when Redis holds none, undefined when Redis did not answer. */
  async peek(key: string): Promise<RateCounter | null | undefined> {
    const reply = await this.redis.runScript(PEEK, [this.counterKey(key)], []);
    return reply === null ? null : counterOf(reply);
  }

  private async send(requests: readonly SharedSpend[]): Promise<SharedStanding[] | undefined> {
    const keys: string[] = [];
    const args: number[] = [requests.length, LEASE_SHARE];
    for (const { spends, lease, givenBack } of requests) {
      args.push(spends.length, lease);
      for (let at = 0; at < spends.length; at += 1) {
        const { key, cost, windowMs, limit, blockMs } = spends[at];
        keys.push(this.counterKey(key));
        args.push(cost, windowMs, limit, blockMs, givenBack?.[at] ?? 0);
      }
    }
    return standingsByRequest(await this.redis.runScript(CONSUME_BATCH, keys, args), requests);
  }

  private counterKey(key: string): string {
    return `${this.prefix}${key}`;
  }
}
