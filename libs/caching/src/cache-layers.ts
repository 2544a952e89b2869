import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import { IoRedisKeyvStore } from './ioredis-keyv-store.js';
import { RedisConnection } from '@app/redis';
import { OwnerInvalidations, type OwnedRecord } from './owner-invalidations.js';

/** Past this many objects and arrays, or this deep, an entry is not walked further: it only has to weigh something, and a cycle must end. */
const MAX_NODES_WALKED = 100_000;
const MAX_DEPTH_WALKED = 64;

/*
 * Sums the lengths a JSON text of the value would have, without writing
 * one: JSON.stringify built a throwaway string per stored entry, 2% of the
 * gateway's CPU on a cache miss, for a figure that only has to be roughly
 * right. The walk allocates nothing and takes a tenth of the time.
 */
function jsonLength(value: unknown, budget: { nodes: number }, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) {
        return 4;
      }
      budget.nodes -= 1;
      if (budget.nodes < 0 || depth > MAX_DEPTH_WALKED) {
        return 0;
      }
      let length = 2;
      if (Array.isArray(value)) {
        for (const item of value as unknown[]) {
          length += jsonLength(item, budget, depth + 1) + 1;
        }
        return length;
      }
      for (const key in value) {
        length += key.length + 4 + jsonLength((value as Record<string, unknown>)[key], budget, depth + 1);
      }
      return length;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      // JSON leaves these out (or cannot hold them): they weigh nothing worth counting.
      return 0;
  }
}

/**
 * What an entry costs the memory layer: about the length of its JSON, a
 * fair proxy for the heap it holds (two to three times that). An order page
 * is a hundred times a profile, so a count of entries alone bounds nothing.
 */
export function entrySize(key: string, value: unknown): number {
  return key.length + Math.max(1, jsonLength(value, { nodes: MAX_NODES_WALKED }, 0));
}

/** What the memory layer keeps under a key: Keyv's own record, and whose data it is (set by {@link CacheLayers.writeMemory} alone). */
interface MemoryRecord extends OwnedRecord {
  value: unknown;
  expires?: number;
}

/**
 * lru-cache as a Keyv store. Keyv hands a store the ttl as a third argument
 * to set(), which lru-cache would take for its options object; Keyv keeps
 * the expiry with the entry anyway, so the ttl is not passed on. An entry
 * its owner's invalidation made stale is dropped here as the direct reads
 * drop it, so Keyv and cache-manager never see one either.
 */
class LruKeyvStore {
  constructor(
    private readonly lru: LRUCache<string, MemoryRecord>,
    private readonly invalidations: OwnerInvalidations,
  ) {}

  get(key: string): MemoryRecord | undefined {
    const record = this.lru.get(key);
    if (record !== undefined && !this.invalidations.isCurrent(record)) {
      this.lru.delete(key);
      return undefined;
    }
    return record;
  }

  set(key: string, value: MemoryRecord): boolean {
    this.lru.set(key, value);
    return true;
  }

  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  has(key: string): boolean {
    // A look, as lru-cache's own has() is: it does not make the entry recently used.
    const record = this.lru.peek(key);
    return record !== undefined && this.invalidations.isCurrent(record);
  }
}

/*
 * The Redis layer's entries are plain JSON, written and read with the
 * native JSON functions. Keyv's default serializer is written in
 * JavaScript (to carry Buffers and escape strings that start with a colon,
 * neither of which an upstream's JSON needs) and parses with a reviver:
 * 3.5% of the gateway's CPU on a cache miss, against a tenth of that. `v2` in the keys keeps the two
 * formats apart while instances of both run side by side in a rolling
 * deploy: each reads only entries it wrote in its own format.
 */
function sharedLayer(redis: RedisConnection, keyPrefix: string): Keyv {
  const layer = new Keyv({ store: new IoRedisKeyvStore(redis, keyPrefix), useKeyPrefix: false });
  layer.serialize = (data) => JSON.stringify(data);
  layer.deserialize = (text) => JSON.parse(text);
  return layer;
}

/**
 * The cache's two layers, as Keyv stores: a bounded in-memory LRU in every
 * process, and, with `REDIS_URL`, Redis shared by every instance. The
 * resource cache reads them in this order and writes Redis (in one script
 * with the entry's index and lock, in the record format below), keeping in
 * memory what it reads back; cache-manager deletes from both; an
 * invalidation from another instance clears the memory layer alone.
 */
@Injectable()
export class CacheLayers {
  readonly memory: Keyv;
  readonly shared: Keyv | undefined;
  private readonly sharedPrefix: string;
  private readonly lru: LRUCache<string, MemoryRecord>;
  private readonly invalidations = new OwnerInvalidations();
  /** Entries on their way to Redis, which reads find here until their write has landed (see {@link holdWhileLanding}). */
  private readonly landing = new Map<string, MemoryRecord>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly redis: RedisConnection,
  ) {
    // lru-cache bounds both the count and the bytes; Keyv keeps the expiry with each entry.
    this.lru = new LRUCache<string, MemoryRecord>({
      max: config.cache.memoryMaxEntries,
      maxSize: config.cache.memoryMaxBytes,
      sizeCalculation: (record, key) => entrySize(key, record),
    });
    this.memory = new Keyv({ store: new LruKeyvStore(this.lru, this.invalidations), useKeyPrefix: false });
    // Entries are never mutated after they are stored, so the memory layer hands out the stored object itself.
    this.memory.serialize = undefined;
    this.memory.deserialize = undefined;
    // `v2`: see sharedLayer.
    this.sharedPrefix = `${config.redisKeyPrefix}cache:v2:`;
    this.shared = redis.client === undefined ? undefined : sharedLayer(redis, this.sharedPrefix);
    // Another instance's change may have been broadcast, or its Redis drop refused, while this one was cut off.
    redis.onRecovered(() => this.invalidations.invalidateAll());
  }

  /**
   * The Redis key and text of an entry kept `keepMs`, exactly as the Redis
   * layer's Keyv writes them, for a write that goes to Redis in one script
   * with other commands; the layer reads it back like any of its own.
   */
  sharedRecord(key: string, value: unknown, keepMs: number): { key: string; text: string } {
    return {
      key: this.sharedKey(key),
      text: JSON.stringify({ value, expires: Date.now() + keepMs }),
    };
  }

  /** The Redis key the Redis layer keeps `key` under. */
  sharedKey(key: string): string {
    return `${this.sharedPrefix}${key}`;
  }

  /**
   * The value of a record a script read from Redis, as the Redis layer's
   * Keyv would read it: nothing once it has expired, nor for text that is
   * not a record at all.
   */
  readSharedRecord(text: string): unknown {
    let record: { value?: unknown; expires?: unknown } | null;
    try {
      record = JSON.parse(text) as { value?: unknown; expires?: unknown } | null;
    } catch {
      return undefined;
    }
    if (typeof record !== 'object' || record === null) {
      return undefined;
    }
    return typeof record.expires === 'number' && record.expires <= Date.now() ? undefined : record.value;
  }

  /*
   * The memory layer's own reads and writes, straight on its LRU in the
   * record Keyv keeps there (`{ value, expires }`), so cache-manager and
   * Keyv see these entries as their own. Keyv's get and set are async and
   * run hooks, stats and a serializer check on every call; the resource
   * cache makes two per section of every request, and without them a
   * section's read measured 1.9 µs less (bench/RESULTS.md).
   */

  /**
   * The value the memory layer holds for `key`, unless it has expired or
   * its owner's data has changed since (then it is dropped, as Keyv would).
   */
  readMemory(key: string): unknown {
    const landing = this.landing.get(key);
    if (landing !== undefined && this.servable(landing, Date.now())) {
      return landing.value;
    }
    const record = this.lru.get(key);
    if (record === undefined) {
      return undefined;
    }
    if (!this.servable(record, Date.now())) {
      this.lru.delete(key);
      return undefined;
    }
    return record.value;
  }

  /**
   * Not expired, and not made stale by its owner's invalidation: what a
   * read may hand out. With Redis, a user's entry is handed out only while
   * this instance hears the others' invalidations: during an outage a
   * change made through another instance could not reach this one, whose
   * copy would be served as current for its whole freshness. The cache is
   * bypassed instead; entries of nobody's (an Idempotency-Key's first
   * answer) are never invalidated, and still serve.
   */
  private servable(record: MemoryRecord, now: number): boolean {
    return (
      (typeof record.expires !== 'number' || now <= record.expires) &&
      (record.owner === undefined || this.shared === undefined || this.redis.hearsBroadcasts) &&
      this.invalidations.isCurrent(record)
    );
  }

  /** Keeps `value` in the memory layer for `keepMs`, as `owner`'s data when it is a user's. */
  writeMemory(key: string, value: unknown, keepMs: number, owner?: string): void {
    const record = this.recordOf(value, keepMs, owner);
    this.lru.set(key, record, { size: entrySize(key, record) });
  }

  /**
   * Lets reads of this process find `value` while its write to Redis is
   * under way, as if the memory layer held it, without filing it in the
   * LRU. The returned function ends that once the write has settled: Redis
   * answers from then on, or, told that Redis did not take the entry, the
   * memory layer files it as it was held, so an invalidation of its owner
   * made meanwhile still applies.
   */
  holdWhileLanding(
    key: string,
    value: unknown,
    keepMs: number,
    owner?: string,
  ): (redisTookIt: boolean) => void {
    const record = this.recordOf(value, keepMs, owner);
    this.landing.set(key, record);
    return (redisTookIt) => {
      // A later write of the same key may hold it by now: it is the newer entry, and ends its own hold.
      if (this.landing.get(key) !== record) {
        return;
      }
      this.landing.delete(key);
      if (!redisTookIt) {
        this.lru.set(key, record, { size: entrySize(key, record) });
      }
    };
  }

  private recordOf(value: unknown, keepMs: number, owner: string | undefined): MemoryRecord {
    return { value, expires: Date.now() + keepMs, owner, written: this.invalidations.now };
  }

  /** Whether the memory layer holds `key` now, expired or stale or not. */
  holdsInMemory(key: string): boolean {
    return this.lru.has(key);
  }

  /** Makes every entry of `owner` that the memory layer holds now read as absent, at once, whatever their number. */
  invalidateOwner(owner: string): void {
    this.invalidations.invalidate(owner);
  }

  /** The invalidation clock's reading now, for a load to hold against {@link changedSince} when it ends. */
  get invalidationClock(): number {
    return this.invalidations.now;
  }

  /** The clock's reading at `owner`'s last invalidation here; 0 while it has had none. */
  lastChangeOf(owner: string | undefined): number {
    return this.invalidations.lastInvalidated(owner);
  }

  /**
   * Whether `owner`'s data was invalidated here (by this instance, or by
   * another's broadcast) after the clock read `clock`: a value loaded
   * meanwhile may predate the change, and must not be stored as current.
   */
  changedSince(owner: string | undefined, clock: number): boolean {
    return !this.invalidations.isCurrent({ owner, written: clock });
  }

  /**
   * Deletes `owner`'s live entries from the memory layer and names them: a
   * walk over every entry, for a caller that reports what it removed (the
   * admin endpoint), not for the write path, which {@link invalidateOwner}
   * serves in constant time.
   */
  removeOwnedEntries(owner: string): string[] {
    const now = Date.now();
    const keys: string[] = [];
    this.lru.forEach((record, key) => {
      if (record.owner === owner && this.servable(record, now)) {
        keys.push(key);
      }
    });
    for (const key of keys) {
      this.lru.delete(key);
    }
    return keys;
  }

  get stores(): Keyv[] {
    return this.shared === undefined ? [this.memory] : [this.memory, this.shared];
  }
}
