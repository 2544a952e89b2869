import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import { IoRedisKeyvStore } from './ioredis-keyv-store.js';
import { RedisConnection } from '@app/redis';

/**
 * What an entry costs the memory layer: the length of its JSON, a fair
 * proxy for the heap it holds (two to three times that) that costs a few
 * microseconds for the entries a gateway keeps. An order page is a hundred
 * times a profile, so a count of entries alone bounds nothing.
 */
export function entrySize(key: string, value: unknown): number {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // Not JSON (a cycle, a BigInt): nothing the cache stores, but it must still count for something.
    json = undefined;
  }
  return key.length + (json?.length ?? 1024);
}

/**
 * lru-cache as a Keyv store. Keyv hands a store the ttl as a third argument
 * to set(), which lru-cache would take for its options object; Keyv keeps
 * the expiry with the entry anyway, so the ttl is not passed on.
 */
class LruKeyvStore {
  constructor(private readonly lru: LRUCache<string, object>) {}

  get(key: string): object | undefined {
    return this.lru.get(key);
  }

  set(key: string, value: object): boolean {
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
    return this.lru.has(key);
  }
}

/**
 * The cache's two layers: a bounded in-memory LRU in every process, and,
 * with `REDIS_URL`, Redis shared by every instance. cache-manager reads them
 * in this order and writes both; this class keeps a handle on the memory
 * layer, which an invalidation from another instance must clear alone.
 */
@Injectable()
export class CacheLayers {
  readonly memory: Keyv;
  readonly shared: Keyv | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RedisConnection) {
    this.memory = new Keyv({
      // lru-cache bounds both the count and the bytes; Keyv keeps the expiry with each entry.
      store: new LruKeyvStore(
        new LRUCache<string, object>({
          max: config.cache.memoryMaxEntries,
          maxSize: config.cache.memoryMaxBytes,
          sizeCalculation: (value, key) => entrySize(key, value),
        }),
      ),
      useKeyPrefix: false,
    });
    // Entries are never mutated after they are stored, so the memory layer hands out the stored object itself.
    this.memory.serialize = undefined;
    this.memory.deserialize = undefined;
    this.shared =
      redis.client === undefined
        ? undefined
        : new Keyv({
            store: new IoRedisKeyvStore(redis, `${config.redisKeyPrefix}cache:`),
            useKeyPrefix: false,
          });
  }

  get stores(): Keyv[] {
    return this.shared === undefined ? [this.memory] : [this.memory, this.shared];
  }
}
