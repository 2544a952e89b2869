import { NEVER_CANCELLED, timeoutAfterReads, type CancelSignal } from '@app/cancellation';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type CacheConfig } from '@app/config';
import { Metrics, type CacheEvent } from '@app/observability';
import { ProblemError } from '@app/problem';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheInvalidator } from './cache-invalidator.js';
import { CacheLayers } from './cache-layers.js';
import { freshnessOf, isCacheEntry, retentionMs, type CacheEntry } from './cache-entry.js';
import { RedisConnection, RELEASE_IF_HELD, TurnBatch, type LuaScript } from '@app/redis';
import { SingleFlight } from './single-flight.js';

/** How a load runs: for a caller waiting on it, or in the background to refresh an entry served stale. */
export type LoadMode = { kind: 'foreground'; signal: CancelSignal } | { kind: 'background' };

export interface CachedRead<T> {
  key: string;
  ttlMs: number;
  /** The user the data belongs to, so a change of theirs can drop it. */
  owner?: string;
  load: (mode: LoadMode) => Promise<T>;
  /** Told the age of the data when a stale entry is served. */
  onStale?: (ageMs: number) => void;
  signal?: CancelSignal;
  /**
   * `performance.now()` when the request's deadline ends, if it has one: a
   * read holding an entry to fall back on serves it before then, and a read
   * waiting on another instance's load waits no longer.
   */
  deadlineAt?: number;
  /** The client asked for fresh data: go to the source even for a fresh entry. */
  revalidate?: boolean;
  /** The request a revalidating read serves, for {@link ResourceCache.startFresh}. */
  scope?: object;
}

/** The first look for another instance's result, then twice as long between looks, up to the longest. */
const LOCK_POLL_MS = 20;
const LOCK_POLL_MAX_MS = 100;
/*
 * Entries' whole writes to Redis, every write of one turn of the event loop
 * in one command; for one entry, the Keyv SET, the owner index's SADD and
 * PEXPIRE and the lock's release made three. Seven ARGV per entry: its text
 * and how long it is kept; the owner index's member and lifetime, or '' and
 * 0 without an owner; the load's lock token, or '' without a lock of its
 * own key; when the load began, in Redis's microseconds, or '' if unknown;
 * and the marker of the load's lock in the entry's place, or ''. KEYS per
 * entry: the entry, then its owner index and the key where the owner's last
 * drop is noted when it has an owner, and its lock of its own key when it
 * has one. The lock is released only if this load still holds it. An owner
 * index named by several entries (a miss writes its answer and its
 * sections together, all one user's) gets one SADD of all of them and one
 * PEXPIRE: four of each a miss were a quarter of the Redis commands it sent.
 *
 * An owner's entry loaded before the owner's data was last dropped is not
 * written: its load read the data before the change, and its write, sent
 * before this instance heard of the drop, reached Redis after it. The
 * instance's own check (changedSince) cannot see that far; Redis, which
 * ran the drop, can (see CacheInvalidator's DROP_OWNER). Its lock in the
 * entry's place goes with it, so no other load waits on it.
 */
const STORE_BATCH: LuaScript = {
  lua: `
local key = 1
local indexes, members, lifetimes, droppedAt = {}, {}, {}, {}
for entry = 0, #ARGV / 7 - 1 do
  local base = entry * 7
  local text, keepMs, member, indexMs = ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], ARGV[base + 4]
  local token, since, marker = ARGV[base + 5], ARGV[base + 6], ARGV[base + 7]
  local entryKey = KEYS[key]
  local current = true
  key = key + 1
  if member ~= '' then
    local index, dropped = KEYS[key], KEYS[key + 1]
    key = key + 2
    if since ~= '' then
      if droppedAt[dropped] == nil then
        droppedAt[dropped] = tonumber(redis.call('GET', dropped) or '0')
      end
      current = droppedAt[dropped] < tonumber(since)
    end
    if current then
      if members[index] == nil then
        indexes[#indexes + 1], members[index], lifetimes[index] = index, {}, 0
      end
      table.insert(members[index], member)
      lifetimes[index] = math.max(lifetimes[index], tonumber(indexMs))
    end
  end
  if current then
    redis.call('SET', entryKey, text, 'PX', keepMs)
  elseif marker ~= '' and redis.call('GET', entryKey) == marker then
    redis.call('DEL', entryKey)
  end
  if token ~= '' then
    if redis.call('GET', KEYS[key]) == token then
      redis.call('DEL', KEYS[key])
    end
    key = key + 1
  end
end
for _, index in ipairs(indexes) do
  redis.call('SADD', index, unpack(members[index]))
  redis.call('PEXPIRE', index, lifetimes[index])
end
return 1
`,
};

/*
 * What a lock in an entry's place starts with: an entry's record is
 * `{"value":…`, so neither this script nor a Keyv read takes one for the
 * other (Keyv reads a marker as a record without a value: absent).
 */
const LOCK_MARKER_START = '{"lock":';

/*
 * Sections' Redis lookups and, for each that Redis holds no entry for, the
 * lock for the load that must follow, every lookup of one turn of the event
 * loop in one round trip: they were two in a row per section on the
 * request's critical path. The lock is a marker in the entry's own place,
 * kept the locks' lifetime, which the entry's write replaces: a lock of its
 * own key cost every missing section three more commands in Redis (its
 * GET and DEL on release, a SET beside the lookup's GET) and two more keys
 * sent. KEYS: each section's entry; ARGV: the locks' lifetime, then each
 * section's marker, empty for an entry that is only looked at (a cached
 * answer, which no lock guards). Two values per section: the entry's text,
 * or false and whether its lock was taken (1) or not (0: another load holds
 * it, or none was asked for).
 */
const LOOKUP_OR_LOCK_BATCH: LuaScript = {
  lua: `
local reply = {}
for section = 1, #KEYS do
  local entry = redis.call('GET', KEYS[section])
  if entry and string.sub(entry, 1, ${LOCK_MARKER_START.length}) ~= '${LOCK_MARKER_START}' then
    reply[section * 2 - 1], reply[section * 2] = entry, 0
  elseif not entry and ARGV[section + 1] ~= '' then
    redis.call('SET', KEYS[section], ARGV[section + 1], 'PX', ARGV[1])
    reply[section * 2 - 1], reply[section * 2] = false, 1
  else
    reply[section * 2 - 1], reply[section * 2] = false, 0
  end
end
return reply
`,
};

/**
 * How long before its request's deadline a read that holds an entry to fall
 * back on stops waiting for its load: the aggregate settles its sections at
 * the deadline itself, and a section still loading then was answered 504 or
 * given its empty fallback, the entry unused.
 */
const FALLBACK_MARGIN_MS = 25;

/** What {@link beforeDeadline} gives when the deadline comes first. */
const OUT_OF_TIME = Symbol('out of time');

/** `loading`'s value, or {@link OUT_OF_TIME} if it has not settled by `at` (`performance.now()`). */
function beforeDeadline<T>(loading: Promise<T>, at: number): Promise<T | typeof OUT_OF_TIME> {
  return new Promise((resolve, reject) => {
    const stop = timeoutAfterReads(Math.max(0, at - performance.now()), () => resolve(OUT_OF_TIME));
    loading.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/** Entries per batched script: bounds how long one script holds Redis, which runs one command at a time. */
const MAX_BATCH = 64;

/** An entry's write to Redis, as {@link STORE_BATCH} takes it. */
interface SharedWrite {
  record: { key: string; text: string };
  keepMs: number;
  /** The owner index that lists the entry, the entry's key as listed there, and where the owner's last drop is noted. */
  index: { key: string; ttlMs: number; member: string; droppedAtKey: string } | undefined;
  lock: HeldLock | undefined;
  /** When the load began, by Redis's clock, if known: an entry loaded before its owner's last drop is not written. */
  since: number | undefined;
}

/** A section's lookup, as {@link LOOKUP_OR_LOCK_BATCH} takes it. */
interface SharedLookup {
  entryKey: string;
  /** The lock in the entry's place to take if Redis holds no entry; none for an entry that is only looked at. */
  lock: HeldLock | undefined;
}

/** What Redis held for a section: the entry's text, or none and whether this load took the lock. */
type LookupReply = { text: string } | { text: undefined; locked: boolean };

/**
 * The lock a load took in Redis: in the entry's place while Redis held no
 * entry (`token` is then the marker itself, and the entry's write replaces
 * it), else on a key of its own, released with the entry's write. Either is
 * released alone by a load that stores nothing.
 */
interface HeldLock {
  key: string;
  token: string;
  inPlace: boolean;
}

/** How asking for a load's lock went: taken, held by another instance's load, or Redis did not answer. */
type LockAttempt = HeldLock | 'busy' | 'unavailable';

/** What a lookup in Redis found: the entry, or what asking for its lock gave. */
interface SharedLookupResult<T> {
  entry?: CacheEntry<T>;
  lock?: LockAttempt;
}

/** A write's entry, once its Redis write (if any) has landed. */
function landed<T>({
  entry,
  shared,
}: {
  entry: CacheEntry<T>;
  shared: Promise<void> | undefined;
}): Promise<CacheEntry<T>> {
  return shared === undefined ? Promise.resolve(entry) : shared.then(() => entry);
}

/** The entry while it is fresh, else nothing. */
function freshOnly<T>(entry: CacheEntry<T> | undefined): CacheEntry<T> | undefined {
  return entry !== undefined && entry.freshUntil > Date.now() ? entry : undefined;
}

/** An upstream failure (5xx), as opposed to an answer such as "not found" that stale data must not hide. */
function isUpstreamFailure(error: unknown): boolean {
  return error instanceof ProblemError && error.status >= 500;
}

function isTimeout(error: unknown): boolean {
  return error instanceof ProblemError && error.status === 504;
}

/**
 * Upstream resources through the two cache layers: fresh entries are served
 * as they are; entries just past their freshness are served at once and
 * refreshed in the background (stale-while-revalidate); when a load fails
 * the last good value is served, flagged stale (stale-if-error). Concurrent
 * misses share one load in this process, and with Redis one across
 * instances, behind a short lock whose loss only costs an extra load.
 */
@Injectable()
export class ResourceCache implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ResourceCache.name);
  private readonly flights = new SingleFlight();
  private readonly settings: CacheConfig;
  private readonly lookups = new TurnBatch(
    (sections: readonly SharedLookup[]) => this.lookupShared(sections),
    MAX_BATCH,
  );
  /**
   * Each revalidating request's drop of its owner's data, so that its
   * sections wait on one, with the invalidation clock's reading once it was
   * made here and Redis's clock once Redis had run it.
   */
  private readonly freshStarts = new WeakMap<
    object,
    { dropped: Promise<void>; clock: number; since?: number }
  >();
  /** Lookups asked for beside an answer's (see {@link peekFresh}), each taken by the first read of its key. */
  private readonly prefetched = new Map<string, Promise<SharedLookupResult<unknown>>>();
  /** Redis writes of loads that returned their value without waiting on them (see loadAndStore). */
  private readonly writesInFlight = new Set<Promise<void>>();
  private readonly writes = new TurnBatch(
    (entries: readonly SharedWrite[]) => this.writeShared(entries),
    MAX_BATCH,
  );

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly layers: CacheLayers,
    private readonly redis: RedisConnection,
    private readonly invalidator: CacheInvalidator,
    private readonly metrics: Metrics,
  ) {
    this.settings = config.cache;
  }

  /** Settles once every Redis write this cache has sent without waiting on it has landed. */
  async writesLanded(): Promise<void> {
    await Promise.allSettled(this.writesInFlight);
  }

  /** Entries loaded just before the shutdown still reach Redis before its connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.writesLanded();
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /**
   * Before a request whose client asked for fresh data reloads anything,
   * its owner's cached data goes everywhere, once per request (`scope`):
   * this instance's and the other apps' and instances' memory, and Redis,
   * cached answers of other routes included. Reloading over the entries
   * instead left the others' memory copies, and the answers built from
   * them, older than what the client had just been given. Resolves once
   * Redis has run the drop and taken the broadcast, as a change's does.
   */
  startFresh(scope: object, owner: string): Promise<void> {
    let started = this.freshStarts.get(scope);
    if (started === undefined) {
      // This instance's memory is dropped before invalidateOwner returns: the clock reads the drop.
      const start: { dropped: Promise<void>; clock: number; since?: number } = {
        dropped: this.invalidator.invalidateOwner(owner),
        clock: this.layers.invalidationClock,
      };
      // Redis's clock once Redis has run the drop, for the answer built after it (see STORE_BATCH).
      start.dropped = start.dropped.then(() => {
        start.since = this.sharedNow();
      });
      started = start;
      this.freshStarts.set(scope, started);
    }
    return started.dropped;
  }

  /**
   * The invalidation clock's reading, and Redis's clock, once the
   * revalidating request `scope` dropped its owner's data, if it did: what
   * it loaded after is current unless {@link changedSince} says a later
   * change overtook it.
   */
  afterFreshStart(scope: object | undefined): { clock: number; since: number | undefined } | undefined {
    const started = scope === undefined ? undefined : this.freshStarts.get(scope);
    return started === undefined ? undefined : { clock: started.clock, since: started.since };
  }

  read<T>(read: CachedRead<T>): Promise<T> {
    if (!this.settings.enabled || read.ttlMs <= 0) {
      return read.load({ kind: 'foreground', signal: read.signal ?? NEVER_CANCELLED });
    }
    if (read.revalidate === true && read.owner !== undefined && read.scope !== undefined) {
      return this.reloadFresh(read, read.owner, read.scope);
    }
    return this.readEnabled(read);
  }

  /**
   * A read for a client that asked for fresh data: the owner's data goes
   * everywhere first ({@link startFresh}), but the entry held for this key
   * is kept aside, so that if the reload fails it still serves this read,
   * flagged stale, and is put back as it was (as old as it was) for the
   * reads after it: dropped for good, one pull-to-refresh during an outage
   * took away the stale-if-error fallback of every later read of the user.
   * It is not put back over a change made meanwhile.
   */
  private async reloadFresh<T>(read: CachedRead<T>, owner: string, scope: object): Promise<T> {
    // Looked up before any section's read starts the drop: sections ask in the same turn, the drop follows.
    const held = await this.heldEntry<T>(read.key);
    await this.startFresh(scope, owner);
    if (held === undefined) {
      return this.readEnabled(read);
    }
    const clock = this.layers.invalidationClock;
    let fellBack = false;
    const value = await this.serve(
      {
        ...read,
        onStale: (ageMs) => {
          fellBack = true;
          read.onStale?.(ageMs);
        },
      },
      held,
      undefined,
    );
    if (fellBack && !this.layers.changedSince(owner, clock)) {
      this.restore(read.key, held, owner);
    }
    return value;
  }

  /** The entry this instance's memory or Redis holds for `key`, whatever its age. */
  private async heldEntry<T>(key: string): Promise<CacheEntry<T> | undefined> {
    const local = this.layers.readMemory(key);
    if (isCacheEntry(local)) {
      return local as CacheEntry<T>;
    }
    if (this.layers.shared === undefined) {
      return undefined;
    }
    const reply = await this.lookups.add({ entryKey: this.layers.sharedKey(key), lock: undefined });
    return reply?.text === undefined ? undefined : this.sharedEntry<T>(reply.text);
  }

  /** Writes `entry` back unchanged, for the rest of the time it would have been kept, in memory and in Redis. */
  private restore<T>(key: string, entry: CacheEntry<T>, owner: string): void {
    const keepMs =
      retentionMs(entry.freshUntil - entry.storedAt, this.settings) - (Date.now() - entry.storedAt);
    if (keepMs <= 0) {
      return;
    }
    this.layers.writeMemory(key, entry, keepMs, owner);
    if (this.layers.shared !== undefined) {
      this.inFlight(key, this.storeShared(key, entry, keepMs, owner, undefined, undefined));
    }
  }

  private readEnabled<T>(read: CachedRead<T>): Promise<T> {
    // A client asking for no-cache still gets the stored entry as a fallback if the reload fails.
    const local = this.layers.readMemory(read.key);
    if (isCacheEntry(local)) {
      return this.serve(read, local as CacheEntry<T>, undefined);
    }
    if (this.layers.shared === undefined) {
      /*
       * Nothing held and nowhere else to look: the read is the load,
       * under its single flight. No frame waits on it as serve's would,
       * since there is nothing to fall back on and no lock to release.
       */
      this.metrics.countCacheEvent('resource', 'miss');
      return this.loadOrJoin(read, (signal) => this.loadAndStore(read, signal, undefined));
    }
    let lookup = this.prefetched.get(read.key) as Promise<SharedLookupResult<T>> | undefined;
    if (lookup === undefined) {
      lookup = this.lookupOrLock<T>(read.key);
    } else {
      this.prefetched.delete(read.key);
    }
    return lookup.then(({ entry, lock }) =>
      this.serve(read, this.adoptShared(read.key, entry, read.owner, 'stale-too'), lock),
    );
  }

  /** What a read does once it knows what the cache holds: serve it, or load under a single flight and fall back on it. */
  private async serve<T>(
    read: CachedRead<T>,
    entry: CacheEntry<T> | undefined,
    lock: LockAttempt | undefined,
  ): Promise<T> {
    const revalidate = read.revalidate === true;
    const freshness = entry === undefined ? 'expired' : freshnessOf(entry, Date.now(), this.settings);
    if (entry !== undefined && freshness === 'fresh' && !revalidate) {
      this.metrics.countCacheEvent('resource', 'hit');
      return entry.value;
    }
    if (entry !== undefined && freshness === 'revalidate' && !revalidate) {
      this.metrics.countCacheEvent('resource', 'stale');
      this.refreshInBackground(read);
      read.onStale?.(Date.now() - entry.storedAt);
      return entry.value;
    }
    // One event per read: a miss whose load fails and falls back on the stored entry counts as stale, not both.
    let event: CacheEvent = 'miss';
    let loadsHere = false;
    try {
      const loading = this.loadOrJoin(read, (signal) => {
        loadsHere = true;
        return this.loadOnce(read, signal, lock);
      });
      if (entry === undefined || freshness === 'expired' || read.deadlineAt === undefined) {
        return await loading;
      }
      const loaded = await beforeDeadline(loading, read.deadlineAt - FALLBACK_MARGIN_MS);
      if (loaded !== OUT_OF_TIME) {
        return loaded;
      }
      // The load goes on for whoever else waits on it; its failure, once this read is answered, is nobody's.
      loading.catch(() => undefined);
      event = 'stale';
      read.onStale?.(Date.now() - entry.storedAt);
      return entry.value;
    } catch (error) {
      if (entry !== undefined && freshness !== 'expired' && isUpstreamFailure(error)) {
        event = 'stale';
        read.onStale?.(Date.now() - entry.storedAt);
        return entry.value;
      }
      throw error;
    } finally {
      if (!loadsHere && typeof lock === 'object') {
        // A load already running here (one that went without a lock) serves this read: the lock is nobody's.
        this.releaseLock(lock);
      }
      this.metrics.countCacheEvent('resource', event);
    }
  }

  /**
   * `read`'s load under its single flight, started here or joined. A load
   * joined from another request runs under that request's deadline: one
   * that cut it (a 504) may have left this request, which came later, most
   * of its own, so it loads again once, bounded by its own deadline, rather
   * than fail with a timeout that was not its own. A read that starts the
   * load gets its promise as it is: no frame more on a miss's path.
   */
  private loadOrJoin<T>(read: CachedRead<T>, load: (signal: CancelSignal) => Promise<T>): Promise<T> {
    let loadsHere = false;
    const run = (): Promise<T> =>
      this.flights.run(
        this.flightKey(read),
        (signal) => {
          loadsHere = true;
          return load(signal);
        },
        read.signal,
      );
    const first = run();
    if (loadsHere) {
      return first;
    }
    return first.catch((error: unknown) => {
      if (!isTimeout(error) || read.signal?.aborted === true) {
        throw error;
      }
      return run();
    });
  }

  /**
   * A fresh entry, if there is one; for the response cache, which serves
   * nothing stale. When it has to ask Redis, the entries `alongside` names
   * (the sections the answer is built from; named only then, since building
   * their keys would cost an answer served from memory for nothing) are
   * looked up, and locked for their loads, in the same script as the
   * answer, with the other lookups of the turn, and the reads of those keys
   * that follow take what it found instead of asking again;
   * {@link dropPrefetched} forgets what no read took. Measured at 8 connections
   * with upstreams at 20/30/50 ms: asked for only once the handler read
   * them, the sections' lookups were the last wait before the fan-out, the
   * requests one reply released left for their upstreams together, and the
   * p50 paid 1 to 3 ms for it (bench/RESULTS.md, the twenty-ninth session).
   */
  peekFresh<T>(
    key: string,
    alongside?: () => readonly string[],
    owner?: string,
  ): Promise<CacheEntry<T> | undefined> {
    // Answered from memory alone when it can be: no frame waits on a lookup that is already done.
    const local = this.layers.readMemory(key);
    if (isCacheEntry(local)) {
      return Promise.resolve(freshOnly(local as CacheEntry<T>));
    }
    if (this.layers.shared === undefined) {
      return Promise.resolve(undefined);
    }
    const answer = this.lookups
      .add({ entryKey: this.layers.sharedKey(key), lock: undefined })
      .then((reply) =>
        reply?.text === undefined
          ? undefined
          : this.adoptShared(key, this.sharedEntry<T>(reply.text), owner, 'fresh'),
      );
    if (alongside !== undefined) {
      this.prefetch(alongside());
    }
    return answer;
  }

  /** Forgets the lookups asked for beside an answer that no read took, and gives back the locks they hold. */
  dropPrefetched(keys: readonly string[]): void {
    for (const key of keys) {
      const prefetched = this.prefetched.get(key);
      if (prefetched !== undefined) {
        this.prefetched.delete(key);
        void prefetched.then(({ lock }) => {
          if (typeof lock === 'object') {
            this.releaseLock(lock);
          }
        });
      }
    }
  }

  /** Looks up, and locks for loading, the keys neither memory holds nor a lookup already asked for. */
  private prefetch(keys: readonly string[]): void {
    for (const key of keys) {
      if (!this.prefetched.has(key) && !isCacheEntry(this.layers.readMemory(key))) {
        this.prefetched.set(key, this.lookupOrLock(key));
      }
    }
  }

  /** The invalidation clock's reading now, for a value built from cached data to be held against {@link changedSince}. */
  get invalidationClock(): number {
    return this.layers.invalidationClock;
  }

  /** Whether `owner`'s data was invalidated after the clock read `clock`: what was built from it since must not be stored. */
  changedSince(owner: string | undefined, clock: number): boolean {
    return this.layers.changedSince(owner, clock);
  }

  /**
   * Stores an entry read through {@link peekFresh} alone, which serves
   * nothing stale: it is kept for its ttl, not through the stale windows
   * (a day by default), in memory and in Redis alike.
   */
  storeFresh<T>(
    key: string,
    value: T,
    ttlMs: number,
    owner: string | undefined,
    since?: number,
  ): Promise<CacheEntry<T>> {
    return landed(this.write(key, value, ttlMs, owner, { lock: undefined, since, keepMs: ttlMs }));
  }

  /** `since`: when the load of `value` began, by {@link sharedNow}'s clock (see STORE_BATCH). */
  store<T>(
    key: string,
    value: T,
    ttlMs: number,
    owner: string | undefined,
    lock?: HeldLock,
    since?: number,
  ): Promise<CacheEntry<T>> {
    return landed(this.write(key, value, ttlMs, owner, { lock, since }));
  }

  /**
   * Redis's clock now, in microseconds, as this instance reads it; undefined
   * without Redis or before its first answer. What a load notes when it begins, for
   * its write to be held against its owner's last drop.
   */
  sharedNow(): number | undefined {
    return this.layers.shared === undefined ? undefined : this.redis.now();
  }

  /**
   * Writes the entry where reads find it: the memory layer without Redis;
   * with Redis, Redis, and the memory layer only for a key it already holds
   * (so it never serves an older entry) or once Redis turns the write down.
   * Other entries reach this process's memory when a later read takes them
   * back from Redis ({@link adoptShared}): under a stream of new users most
   * entries a miss writes are never read here again, and filing each in the
   * LRU until it was pushed out cost 7-8% of a Redis miss's CPU in two runs
   * of three (bench/RESULTS.md, the thirty-third session). `shared` is the
   * Redis write, for whoever must wait on it.
   */
  private write<T>(
    key: string,
    value: T,
    ttlMs: number,
    owner: string | undefined,
    load: { lock: HeldLock | undefined; since: number | undefined; keepMs?: number },
  ): { entry: CacheEntry<T>; shared: Promise<void> | undefined } {
    const now = Date.now();
    const entry: CacheEntry<T> = { value, storedAt: now, freshUntil: now + ttlMs };
    const keepMs = load.keepMs ?? retentionMs(ttlMs, this.settings);
    if (this.layers.shared === undefined || this.layers.holdsInMemory(key)) {
      this.layers.writeMemory(key, entry, keepMs, owner);
    }
    return {
      entry,
      shared:
        this.layers.shared === undefined
          ? undefined
          : this.storeShared(key, entry, keepMs, owner, load.lock, load.since),
    };
  }

  /**
   * Writes to Redis, which the caller knows is configured, with every other
   * entry written in this turn; meanwhile reads here find the entry as if
   * memory held it, and if Redis does not take it, memory keeps it.
   */
  private async storeShared(
    key: string,
    entry: CacheEntry<unknown>,
    keepMs: number,
    owner: string | undefined,
    lock: HeldLock | undefined,
    since: number | undefined,
  ): Promise<void> {
    const index = owner === undefined ? undefined : this.invalidator.sharedIndex(owner);
    const record = this.layers.sharedRecord(key, entry, keepMs);
    const endHold = this.layers.holdWhileLanding(key, entry, keepMs, owner);
    const written = await this.writes.add({
      record,
      keepMs,
      index: index === undefined ? undefined : { ...index, member: key },
      lock,
      since,
    });
    endHold(written !== undefined);
  }

  private async writeShared(entries: readonly SharedWrite[]): Promise<true[] | undefined> {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const { record, keepMs, index, lock, since } of entries) {
      keys.push(record.key);
      if (index !== undefined) {
        keys.push(index.key, index.droppedAtKey);
      }
      // A lock in the entry's place is replaced by the entry's SET, or, for an entry not written, deleted by its marker.
      const ownKeyLock = lock?.inPlace === false ? lock : undefined;
      if (ownKeyLock !== undefined) {
        keys.push(ownKeyLock.key);
      }
      args.push(
        record.text,
        keepMs,
        index?.member ?? '',
        index?.ttlMs ?? 0,
        ownKeyLock?.token ?? '',
        since ?? '',
        lock?.inPlace === true ? lock.token : '',
      );
    }
    const written = await this.redis.runScript(STORE_BATCH, keys, args);
    return written === 1 ? entries.map(() => true) : undefined;
  }

  /**
   * The Redis entry, for a key the memory layer does not hold; asked only
   * when Redis is configured. When Redis holds none either, a load follows,
   * so its lock is asked for in the same round trip. No lock is asked for
   * beside an entry: a fresh or stale one needs no load, and an expired one
   * asks for its lock when it loads.
   */
  private async lookupOrLock<T>(key: string): Promise<SharedLookupResult<T>> {
    const entryKey = this.layers.sharedKey(key);
    const lock: HeldLock = { key: entryKey, token: `${LOCK_MARKER_START}"${randomUUID()}"}`, inPlace: true };
    const reply = await this.lookups.add({ entryKey, lock });
    if (reply === undefined) {
      return { lock: 'unavailable' };
    }
    if (reply.text !== undefined) {
      return { entry: this.sharedEntry<T>(reply.text) };
    }
    return { lock: reply.locked ? lock : 'busy' };
  }

  private async lookupShared(sections: readonly SharedLookup[]): Promise<LookupReply[] | undefined> {
    // A loop, not flatMap: V8's flatMap walks its callbacks' arrays generically, 2.3 µs for eight sections against 0.05.
    const keys: string[] = [];
    const args: (string | number)[] = [this.settings.lockMs];
    for (const { entryKey, lock } of sections) {
      keys.push(entryKey);
      args.push(lock?.token ?? '');
    }
    const reply = await this.redis.runScript(LOOKUP_OR_LOCK_BATCH, keys, args);
    if (!Array.isArray(reply) || reply.length !== sections.length * 2) {
      return undefined;
    }
    return sections.map((_, index) => {
      const text: unknown = reply[index * 2];
      return typeof text === 'string' ? { text } : { text: undefined, locked: reply[index * 2 + 1] === 1 };
    });
  }

  /** The entry a record read from Redis holds, if it is one. */
  private sharedEntry<T>(text: string): CacheEntry<T> | undefined {
    const shared = this.layers.readSharedRecord(text);
    return isCacheEntry(shared) ? (shared as CacheEntry<T>) : undefined;
  }

  /**
   * Copies an entry a read took from Redis (another instance's load, or an
   * earlier one of this instance) into this one's memory, as `owner`'s data,
   * for as long as it stays useful: through the stale windows, or only while
   * fresh for an entry that is never served stale (then a stale one is not
   * served). Only a read adopts an entry: one looked up beside an answer
   * that no read takes stays out of memory.
   */
  private adoptShared<T>(
    key: string,
    shared: CacheEntry<T> | undefined,
    owner: string | undefined,
    served: 'fresh' | 'stale-too',
  ): CacheEntry<T> | undefined {
    if (shared === undefined) {
      return undefined;
    }
    const now = Date.now();
    const keepMs =
      served === 'fresh'
        ? shared.freshUntil - now
        : retentionMs(shared.freshUntil - shared.storedAt, this.settings) - (now - shared.storedAt);
    if (keepMs <= 0) {
      return served === 'fresh' ? undefined : shared;
    }
    this.layers.writeMemory(key, shared, keepMs, owner);
    return shared;
  }

  /** The key of the lock {@link takeLock} takes for `key`, apart from the entry's own. */
  private lockKeyOf(key: string): string {
    return `${this.redis.keyPrefix}lock:${key}`;
  }

  /** A lock of its own key, for a load of an entry Redis still holds (expired, or asked past by no-cache). */
  private async takeLock(key: string): Promise<LockAttempt> {
    const lock: HeldLock = { key: this.lockKeyOf(key), token: randomUUID(), inPlace: false };
    const locked = await this.redis.run((client) =>
      client.set(lock.key, lock.token, 'PX', this.settings.lockMs, 'NX'),
    );
    return locked === 'OK' ? lock : locked === null ? 'busy' : 'unavailable';
  }

  private releaseLock(lock: HeldLock): void {
    void this.redis.runScript(RELEASE_IF_HELD, [lock.key], [lock.token]);
  }

  /**
   * One load for every instance when Redis is there: the lock holder loads,
   * the others wait briefly for its result. `attempt` is the lock the
   * lookup already asked for, if it did.
   */
  private loadOnce<T>(read: CachedRead<T>, signal: CancelSignal, attempt?: LockAttempt): Promise<T> {
    // One process: the single flight around this call already makes it the only load.
    return this.layers.shared === undefined
      ? this.loadAndStore(read, signal, undefined)
      : this.loadOnceShared(read, signal, attempt);
  }

  private async loadOnceShared<T>(
    read: CachedRead<T>,
    signal: CancelSignal,
    attempt?: LockAttempt,
  ): Promise<T> {
    const lock = attempt ?? (await this.takeLock(read.key));
    if (lock === 'busy') {
      const loadedElsewhere = await this.waitForOtherInstance<T>(read.key, signal, read.deadlineAt);
      if (loadedElsewhere !== undefined) {
        return loadedElsewhere;
      }
    }
    const held = typeof lock === 'object' ? lock : undefined;
    let stored = false;
    try {
      const value = await this.loadAndStore(read, signal, held);
      stored = true;
      return value;
    } finally {
      if (held !== undefined && !stored) {
        this.releaseLock(held);
      }
    }
  }

  private async loadAndStore<T>(
    read: CachedRead<T>,
    signal: CancelSignal,
    lock: HeldLock | undefined,
  ): Promise<T> {
    const clock = this.layers.invalidationClock;
    const since = this.sharedNow();
    const value = await read.load({ kind: 'foreground', signal });
    if (this.layers.changedSince(read.owner, clock)) {
      // The owner's data changed while this load ran (a write through another app or instance): it answers this read only.
      if (lock !== undefined) {
        this.releaseLock(lock);
      }
      return value;
    }
    /*
     * The Redis write is not waited for here. It leaves at the end of this
     * turn of the event loop, which is when the response cache stores the
     * answer built from this value, so both go in one script and the answer
     * waits for one round trip instead of two in a row; Redis runs a
     * connection's commands in order, so a cached answer leaves after its
     * sections' entries are in Redis (one that is not cached, such as a
     * degraded answer, may leave a moment before them). Redis failures
     * never reject (the connection logs them); only an entry that cannot
     * be written as JSON can, a bug that is logged rather than left an
     * unhandled rejection. {@link writesLanded} says when such writes are
     * done, and shutdown waits for it.
     */
    const { shared } = this.write(read.key, value, read.ttlMs, read.owner, { lock, since });
    if (shared !== undefined) {
      this.inFlight(read.key, shared);
    }
    return value;
  }

  /** Keeps a Redis write nobody waits on in view until it lands, for {@link writesLanded}. */
  private inFlight(key: string, write: Promise<void>): void {
    this.writesInFlight.add(write);
    write.then(
      () => this.writesInFlight.delete(write),
      (error: unknown) => {
        this.writesInFlight.delete(write);
        this.logger.warn(
          `cache write of ${key} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
  }

  /**
   * Waits for the load another instance holds the lock for: its fresh
   * entry, as soon as Redis has it. The wait lasts while the lock does (in
   * the entry's place, or of its own key for an entry being reloaded), so a
   * slow upstream is still asked once; it ends early, for a load of this
   * instance's own, once no lock is left without a fresh entry (the holder
   * failed or died), and when the caller stops waiting. A fixed short wait
   * gave up on any upstream slower than itself and loaded the entry again,
   * later than without the lock. It ends, too, as the request's deadline
   * comes: a load that has not landed by then would answer too late.
   */
  private async waitForOtherInstance<T>(
    key: string,
    signal: CancelSignal,
    deadlineAt: number | undefined,
  ): Promise<T | undefined> {
    const entryKey = this.layers.sharedKey(key);
    const lockKey = this.lockKeyOf(key);
    // No longer than the request has, so that a read holding an entry to fall back on still serves it in time.
    const waitMs =
      deadlineAt === undefined
        ? this.settings.lockMs
        : Math.min(this.settings.lockMs, deadlineAt - FALLBACK_MARGIN_MS - performance.now());
    const givesUpAt = Date.now() + waitMs;
    for (let pause = LOCK_POLL_MS; !signal.aborted && Date.now() < givesUpAt;) {
      await sleep(pause);
      pause = Math.min(pause * 2, LOCK_POLL_MAX_MS);
      const texts = await this.redis.run((client) => client.mget(entryKey, lockKey));
      if (texts === undefined) {
        return undefined;
      }
      const [entryText, lockToken] = texts;
      const lockedInPlace = entryText?.startsWith(LOCK_MARKER_START) === true;
      const entry =
        typeof entryText === 'string' && !lockedInPlace ? this.sharedEntry<T>(entryText) : undefined;
      if (entry !== undefined && entry.freshUntil > Date.now()) {
        return entry.value;
      }
      if (!lockedInPlace && lockToken === null) {
        return undefined;
      }
    }
    return undefined;
  }

  /**
   * The single flight a read may join: none that started before its
   * owner's last change, whose value may predate the change (a user's read
   * right after their own PATCH must not be answered from a load sent
   * before it). The key is the entry's own until its owner has changed.
   */
  private flightKey(read: CachedRead<unknown>): string {
    const changed = this.layers.lastChangeOf(read.owner);
    return changed === 0 ? read.key : `${read.key}@${changed}`;
  }

  private refreshInBackground<T>(read: CachedRead<T>): void {
    void this.flights
      .run(`refresh:${this.flightKey(read)}`, async () => {
        const clock = this.layers.invalidationClock;
        const since = this.sharedNow();
        const value = await read.load({ kind: 'background' });
        // As in loadAndStore: a refresh that read the data before its owner's change must not store it as current.
        if (!this.layers.changedSince(read.owner, clock)) {
          await this.store(read.key, value, read.ttlMs, read.owner, undefined, since);
        }
        return value;
      })
      .catch((error: unknown) => {
        this.logger.debug(
          `background refresh of ${read.key} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
  }
}
