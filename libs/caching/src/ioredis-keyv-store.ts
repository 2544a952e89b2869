import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import type { RedisConnection } from '@app/redis';

/**
 * A Keyv store on our ioredis connection, so cache-manager's Redis layer
 * shares the one set of resilience settings (no offline queue, command
 * timeouts) with the rest of the gateway's Redis use. @keyv/redis would
 * bring a second client library (node-redis) with its own behaviour under
 * failure. Every failure is a miss, never an exception.
 */
export class IoRedisKeyvStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts = { dialect: 'redis' };
  namespace: string | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {
    super();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const value = await this.redis.run((client) => client.get(this.prefix + key));
    return (value ?? undefined) as StoredData<Value> | undefined;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    await this.redis.run((client) =>
      ttl === undefined || ttl <= 0
        ? client.set(this.prefix + key, text)
        : client.set(this.prefix + key, text, 'PX', ttl),
    );
  }

  async delete(key: string): Promise<boolean> {
    return ((await this.redis.run((client) => client.del(this.prefix + key))) ?? 0) > 0;
  }

  /** Clearing a shared cache from one instance would empty it for all: not something a gateway does. */
  async clear(): Promise<void> {
    return Promise.resolve();
  }
}
