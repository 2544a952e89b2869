import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { createKeyv } from '@cacheable/memory';
import { Keyv } from 'keyv';
import { IoRedisKeyvStore } from './ioredis-keyv-store.js';
import { RedisConnection } from '@app/redis';

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
    // Entries are never mutated after they are stored, so the memory layer may hand out the same object;
    // one store rather than 16 hashed shards saves hashing every key on every read (measured in bench/RESULTS.md).
    this.memory = createKeyv({ lruSize: config.cache.memoryMaxEntries, useClone: false, storeHashSize: 1 });
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
