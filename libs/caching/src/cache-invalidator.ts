import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { CacheLayers } from './cache-layers.js';
import { RedisConnection } from '@app/redis';

const INDEX_TTL_MS = 7 * 86_400_000;

/** What one invalidator tells the others: whose entries to drop, the keys Redis listed for them, and who sent it. */
interface Invalidation {
  owner: string;
  keys: string[];
  origin: string;
}

/**
 * Without Redis there is no broadcast between processes, but the apps of
 * one process (the launcher's mobile-bff and web-bff) share this one:
 * preferences changed through web-bff must drop mobile-bff's copy too, or
 * the phone shows the old ones for the entry's whole freshness. Listeners
 * run synchronously, so the change's answer leaves after every app of the
 * process has dropped its copy. A Node EventEmitter rather than a
 * BroadcastChannel, which delivers on a later turn.
 */
const processChannel = new EventEmitter().setMaxListeners(0);

/** Where Redis lists a user's keys, and for how long after the last one was added. */
export interface SharedIndex {
  key: string;
  ttlMs: number;
}

/**
 * Drops a user's cached data when it changes: from this instance's memory
 * layer, from Redis for everyone (Redis lists each user's keys), and —
 * through a Redis pub/sub broadcast, or without Redis the process's own
 * channel — from every other instance's memory layer, so the next answer
 * anywhere shows the change.
 */
@Injectable()
export class CacheInvalidator implements OnModuleInit, OnModuleDestroy {
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly onProcessChannel = (invalidation: Invalidation): void => this.apply(invalidation);

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    private readonly layers: CacheLayers,
    private readonly redis: RedisConnection,
  ) {
    this.channel = `${redis.keyPrefix}cache:invalidate`;
  }

  onModuleInit(): void {
    if (this.redis.client === undefined) {
      processChannel.on(this.channel, this.onProcessChannel);
    } else {
      this.redis.subscribe(this.channel, (message) => this.onBroadcast(message));
    }
  }

  onModuleDestroy(): void {
    processChannel.off(this.channel, this.onProcessChannel);
  }

  sharedIndex(owner: string): SharedIndex {
    return { key: this.indexKey(owner), ttlMs: INDEX_TTL_MS };
  }

  /**
   * Drops every entry of `owner`, everywhere: this instance's memory at
   * once, Redis's entries by the owner's index, and the other instances'
   * memory through the broadcast. Resolves once this instance and Redis are
   * clean and the others told.
   */
  async invalidateOwner(owner: string): Promise<void> {
    this.layers.invalidateOwner(owner);
    await this.dropShared(owner);
  }

  /**
   * The same, for a caller that reports what it removed: this instance's
   * entries are deleted and counted one by one (a walk over its memory
   * layer), so it resolves with how many entries this instance and Redis
   * held for `owner`.
   */
  async removeOwner(owner: string): Promise<number> {
    const held = this.layers.removeOwnedEntries(owner);
    this.layers.invalidateOwner(owner);
    const shared = await this.dropShared(owner);
    return new Set([...held, ...shared]).size;
  }

  /** Deletes the owner's Redis entries (and this instance's copies of them) and tells the other instances; resolves with their keys. */
  private async dropShared(owner: string): Promise<string[]> {
    const shared = (await this.redis.run((client) => client.smembers(this.indexKey(owner)))) ?? [];
    await Promise.all(shared.map((key) => this.cache.del(key)));
    await this.redis.run((client) => client.del(this.indexKey(owner)));
    const invalidation: Invalidation = { owner, keys: shared, origin: this.origin };
    if (this.redis.client === undefined) {
      processChannel.emit(this.channel, invalidation);
    } else {
      // Awaited, so the change's answer leaves only once Redis has handed the broadcast to the other instances:
      // a client's next request, to any of them, comes after it.
      await this.redis.publish(this.channel, JSON.stringify(invalidation));
    }
    return shared;
  }

  private onBroadcast(message: string): void {
    let parsed: { owner?: unknown; keys?: unknown; origin?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      // Not one of ours: nothing to drop.
      return;
    }
    if (typeof parsed.owner !== 'string' || typeof parsed.origin !== 'string') {
      return;
    }
    const keys = Array.isArray(parsed.keys)
      ? parsed.keys.filter((key): key is string => typeof key === 'string')
      : [];
    this.apply({ owner: parsed.owner, keys, origin: parsed.origin });
  }

  /** Drops another instance's invalidation from this one's memory; its own were dropped where they were made. */
  private apply({ owner, keys, origin }: Invalidation): void {
    if (origin === this.origin) {
      return;
    }
    this.layers.invalidateOwner(owner);
    // An entry copied from Redis for a read that named no owner carries none here; the owner's index named it, and the broadcast does.
    for (const key of new Set(keys)) {
      void this.layers.memory.delete(key);
    }
  }

  private indexKey(owner: string): string {
    return `${this.redis.keyPrefix}cache-index:${owner}`;
  }
}
