import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import { CacheLayers } from './cache-layers.js';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { RedisConnection, type LuaScript } from '@app/redis';

const INDEX_TTL_MS = 7 * 86_400_000;

/*
 * A user's Redis entries and their index, dropped in one script. Sent as
 * separate commands (SMEMBERS, a DEL per entry, DEL of the index), a Redis
 * that stalled past the client's timeout still ran them once it resumed:
 * the index went after the gateway had given up reading it, and the entries
 * it listed outlived the change, with nothing left to find them by. A
 * script runs whole or not at all, and running it again after it ran finds
 * nothing to do. KEYS: the owner's index; ARGV: the prefix of the entries'
 * Redis keys (the index holds cache keys). The entries' keys are not
 * declared in KEYS, which a Redis Cluster would need: the gateway runs
 * against one Redis, whose keys all live on it.
 */
const DROP_OWNER: LuaScript = {
  lua: `
local members = redis.call('SMEMBERS', KEYS[1])
for _, member in ipairs(members) do
  redis.call('DEL', ARGV[1] .. member)
end
redis.call('DEL', KEYS[1])
local now = redis.call('TIME')
redis.call('SET', KEYS[2], now[1] .. string.format('%06d', now[2]), 'PX', ARGV[2])
return members
`,
};

/**
 * How long Redis remembers when a user's data was last dropped (KEYS[2] of
 * {@link DROP_OWNER}, in Redis's own microseconds): longer than any load
 * runs, so that an entry loaded before the drop, whose write lands after
 * it, is turned away by the write (see the resource cache's STORE_BATCH).
 */
const DROPPED_AT_TTL_MS = 60_000;

/** How long a shutdown waits for Redis to take the drops it has not confirmed, and how often it asks. */
const SHUTDOWN_DROP_WAIT_MS = 3_000;
const SHUTDOWN_DROP_PAUSE_MS = 100;
/** A drop Redis did not confirm is tried again after 1 s, then 2, 4, ... up to every 30 s, until it is. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** Users whose drop waits for Redis; past this, new ones are left to their entries' expiry rather than held. */
const MAX_PENDING_DROPS = 10_000;
/** Past the longest a load may run, what its Redis write may take to land, a stall of Redis's included. */
const WRITE_LANDING_SLACK_MS = 1_000;

/**
 * How long after a change every load that could have read the data before
 * it has ended, its write landed: a load runs under its request's deadline
 * or its call's timeout, whichever the route has.
 */
function changeSettleMs(config: AppConfig): number {
  const longestCall = Math.max(...Object.values(config.services).map((service) => service.timeoutMs));
  return Math.max(config.http.aggregateDeadlineMs, longestCall) + WRITE_LANDING_SLACK_MS;
}

/** The users `timers` holds a drop for, emptied and its timers stopped. */
function takeTimed(timers: Map<string, NodeJS.Timeout>): string[] {
  const owners = [...timers.keys()];
  for (const timer of timers.values()) {
    clearTimeout(timer);
  }
  timers.clear();
  return owners;
}

/** What one invalidator tells the others: whose entries to drop, the keys Redis listed for them, and who sent it. */
interface Invalidation {
  owner: string;
  keys: string[];
  origin: string;
}

/**
 * The apps of one process (the launcher's mobile-bff and web-bff) tell each
 * other here, at once, Redis or not: preferences changed through web-bff
 * must drop mobile-bff's copy too, or the phone shows the old ones for the
 * entry's whole freshness. Without Redis it is the only broadcast; with it,
 * a Redis that does not answer would otherwise hold the news back.
 * Listeners run synchronously, so the change's answer leaves after every
 * app of the process has dropped its copy. A Node EventEmitter rather than
 * a BroadcastChannel, which delivers on a later turn.
 */
const processChannel = new EventEmitter().setMaxListeners(0);

/** Where Redis lists a user's keys, for how long after the last one was added, and where it notes their last drop. */
export interface SharedIndex {
  key: string;
  ttlMs: number;
  droppedAtKey: string;
}

/**
 * Drops a user's cached data when it changes: from this instance's memory
 * layer, from Redis for everyone (Redis lists each user's keys), and —
 * through a Redis pub/sub broadcast, or without Redis the process's own
 * channel — from every other instance's memory layer, so the next answer
 * anywhere shows the change.
 */
@Injectable()
export class CacheInvalidator
  implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(CacheInvalidator.name);
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly onProcessChannel = (invalidation: Invalidation): void => this.apply(invalidation);
  /** The retry timer of each user whose Redis drop is not confirmed yet. */
  private readonly pendingDrops = new Map<string, NodeJS.Timeout>();
  /** The timer of each recently changed user's second drop (see {@link invalidateAfterChange}). */
  private readonly secondDrops = new Map<string, NodeJS.Timeout>();
  /** Changes of users' data still under way (see {@link change}). */
  private readonly changesUnderWay = new Set<Promise<unknown>>();
  private readonly settleMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly layers: CacheLayers,
    private readonly redis: RedisConnection,
  ) {
    this.channel = `${redis.keyPrefix}cache:invalidate`;
    this.settleMs = changeSettleMs(config);
  }

  onModuleInit(): void {
    processChannel.on(this.channel, this.onProcessChannel);
    this.redis.subscribe(this.channel, (message) => this.onBroadcast(message));
    // Until a drop lands, Redis serves every instance the entries it was meant to remove: no backoff once it is back.
    this.redis.onRecovered(() => this.dropPendingNow());
  }

  /**
   * Drops Redis has not confirmed yet are tried again before the
   * connection closes, for up to {@link SHUTDOWN_DROP_WAIT_MS} while Redis
   * does not answer: their changes were answered 200, and an instance that
   * stopped with them pending (a rolling deploy during a Redis stall) left
   * the user's old entries in Redis for every other instance to serve, for
   * as long as they were fresh. A shutdown with nothing pending waits for
   * nothing.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const givesUpAt = Date.now() + SHUTDOWN_DROP_WAIT_MS;
    // Changes the drain answered 503 still run upstream: their drops come once they settle, Redis still open.
    if (this.changesUnderWay.size > 0) {
      const settled = Promise.allSettled(this.changesUnderWay);
      await Promise.race([settled, sleep(SHUTDOWN_DROP_WAIT_MS, undefined, { ref: false })]);
    }
    // A second drop still to come is made now in Redis: once this instance is gone, nobody would make it.
    // Without Redis the data it would drop goes with the process.
    const secondDrops = this.takeSecondDrops();
    let owners = [
      ...new Set([...this.takePendingDrops(), ...(this.redis.client === undefined ? [] : secondDrops)]),
    ];
    while (owners.length > 0) {
      const dropped = await Promise.all(owners.map((owner) => this.dropInRedis(owner)));
      owners = owners.filter((_owner, index) => dropped[index] === undefined);
      if (owners.length === 0 || Date.now() >= givesUpAt) {
        break;
      }
      await sleep(SHUTDOWN_DROP_PAUSE_MS);
    }
    if (owners.length > 0) {
      this.logger.warn(
        `${owners.length} user(s) changed during a Redis outage keep their cached entries in Redis: it did not answer before shutdown`,
      );
    }
  }

  onModuleDestroy(): void {
    processChannel.off(this.channel, this.onProcessChannel);
  }

  /**
   * Stops the timers left: after {@link beforeApplicationShutdown}, which
   * makes the drops they stand for (Nest destroys modules before it, so
   * stopped there, they were lost to it).
   */
  onApplicationShutdown(): void {
    this.takePendingDrops();
    this.takeSecondDrops();
  }

  /**
   * Runs a write of `owner`'s data and drops their cached data after it
   * ({@link invalidateAfterChange}): once it is made, or once it failed in a
   * way that says it may have been made (`mayHaveLanded`: its answer lost
   * to a timeout, a reset or a 5xx); a write refused or never sent keeps
   * the data, the fallback the caller's next reads need while the service
   * is failing. The write is kept in view until it settles: a shutdown
   * waits for it, a few seconds at most, before Redis closes, since the
   * drain may have answered its request 503 while it goes on upstream.
   */
  async change<T>(
    owner: string,
    write: () => Promise<T>,
    mayHaveLanded: (error: unknown) => boolean,
  ): Promise<T> {
    const running = this.writeThenDrop(owner, write, mayHaveLanded);
    this.changesUnderWay.add(running);
    try {
      return await running;
    } finally {
      this.changesUnderWay.delete(running);
    }
  }

  private async writeThenDrop<T>(
    owner: string,
    write: () => Promise<T>,
    mayHaveLanded: (error: unknown) => boolean,
  ): Promise<T> {
    let written: T;
    try {
      written = await write();
    } catch (error) {
      if (mayHaveLanded(error)) {
        await this.invalidateAfterChange(owner);
      }
      throw error;
    }
    await this.invalidateAfterChange(owner);
    return written;
  }

  /** The users whose second drop is still to come, their timers stopped. */
  private takeSecondDrops(): string[] {
    return takeTimed(this.secondDrops);
  }

  /** The users whose drop waits for Redis, their retry timers stopped: whoever takes them drops them now, or never. */
  private takePendingDrops(): string[] {
    return takeTimed(this.pendingDrops);
  }

  sharedIndex(owner: string): SharedIndex {
    return { key: this.indexKey(owner), ttlMs: INDEX_TTL_MS, droppedAtKey: this.droppedAtKey(owner) };
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
   * {@link invalidateOwner} for a change of the user's data that the caller
   * made, or may have made (a write whose answer was lost), made a second
   * time once the change has settled ({@link changeSettleMs}). A load that
   * read the data before the change, under way on another instance (or
   * anywhere, for a write the service made after the gateway stopped
   * waiting for it), stored what it read after the first drop, and that was
   * served as current for its whole freshness: five minutes of the old
   * preferences after a confirmed change. The second drop bounds that to
   * the settling time: the "delayed double delete" of caches kept beside a
   * database. Resolves with the first drop; a later change moves the second.
   */
  async invalidateAfterChange(owner: string): Promise<void> {
    const scheduled = this.secondDrops.get(owner);
    if (scheduled !== undefined) {
      clearTimeout(scheduled);
    }
    if (scheduled !== undefined || this.secondDrops.size < MAX_PENDING_DROPS) {
      const timer = setTimeout(() => {
        this.secondDrops.delete(owner);
        void this.invalidateOwner(owner);
      }, this.settleMs);
      timer.unref();
      this.secondDrops.set(owner, timer);
    }
    await this.invalidateOwner(owner);
  }

  /**
   * {@link invalidateOwner}, for a caller that reports what it removed: this instance's
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

  /**
   * Tells the other apps of this process at once, Redis or not; then drops
   * the owner's Redis entries (and this instance's copies of them) and tells
   * the other instances. Resolves with the keys Redis held. When Redis does
   * not confirm, the drop is tried again in the background until it does:
   * the change's answer does not wait for an outage to end, and what Redis
   * still holds of the user goes as soon as it can.
   */
  private async dropShared(owner: string): Promise<string[]> {
    processChannel.emit(this.channel, { owner, keys: [], origin: this.origin } satisfies Invalidation);
    if (this.redis.client === undefined) {
      return [];
    }
    const keys = await this.dropInRedis(owner);
    if (keys === undefined) {
      this.dropLater(owner, RETRY_FIRST_MS);
      return [];
    }
    return keys;
  }

  /** The keys dropped, once Redis has run the drop and taken the broadcast; undefined when it did not confirm both. */
  private async dropInRedis(owner: string): Promise<string[] | undefined> {
    const members = await this.redis.runScript(
      DROP_OWNER,
      [this.indexKey(owner), this.droppedAtKey(owner)],
      [this.layers.sharedKey(''), DROPPED_AT_TTL_MS],
    );
    if (!Array.isArray(members)) {
      return undefined;
    }
    const keys = members.filter((key): key is string => typeof key === 'string');
    for (const key of keys) {
      void this.layers.memory.delete(key);
    }
    // Awaited, so the change's answer leaves only once Redis has handed the broadcast to the other instances:
    // a client's next request, to any of them, comes after it.
    const invalidation: Invalidation = { owner, keys, origin: this.origin };
    const told = await this.redis.run((client) => client.publish(this.channel, JSON.stringify(invalidation)));
    return told === undefined ? undefined : keys;
  }

  private dropLater(owner: string, delayMs: number): void {
    if (this.pendingDrops.has(owner) || this.pendingDrops.size >= MAX_PENDING_DROPS) {
      return;
    }
    const timer = setTimeout(() => {
      void this.dropInRedis(owner).then((keys) => {
        this.pendingDrops.delete(owner);
        if (keys === undefined) {
          this.dropLater(owner, Math.min(delayMs * 2, RETRY_MAX_MS));
        }
      });
    }, delayMs);
    timer.unref();
    this.pendingDrops.set(owner, timer);
  }

  private dropPendingNow(): void {
    for (const owner of this.takePendingDrops()) {
      void this.dropInRedis(owner).then((keys) => {
        if (keys === undefined) {
          this.dropLater(owner, RETRY_FIRST_MS);
        }
      });
    }
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

  private droppedAtKey(owner: string): string {
    return `${this.redis.keyPrefix}cache-dropped:${owner}`;
  }
}
