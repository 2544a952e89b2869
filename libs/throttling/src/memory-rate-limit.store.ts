import { LRUCache } from 'lru-cache';
import {
  BLOCK_UNTIL_RESET,
  type RateCounter,
  type RateLimitStore,
  type WindowSpend,
} from './rate-counter.js';

/** Keys kept at most; the least recently used windows go first, and an expired window is worth nothing anyway. */
const MAX_RATE_LIMIT_KEYS = 100_000;

/** A window's three numbers, at its slot's offset in the slab. */
const HITS = 0;
const RESET_AT = 1;
const BLOCKED_UNTIL = 2;
const FIELDS = 3;

/**
 * Fixed windows in this process: the store without Redis, and the stand-in
 * while Redis is down. Hand-written rather than @nestjs/throttler's memory
 * storage because a request may cost several units (an aggregate fans out
 * to several services), which that storage cannot count.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  /*
   * lru-cache rather than a Map trimmed from its oldest end: a Map keeps a
   * deleted entry's slot until it is rehashed, and finding the oldest key
   * walks past every such slot, so once full every new caller's window
   * cost 50-90 µs (measured alone, at 100,000 keys) against 1 µs here.
   *
   * It maps a key to a slot in one Float64Array that holds every window's
   * numbers, rather than to an object per window: a window outlives many
   * young-generation collections, and its object and the boxed timestamp in
   * it were two heap objects for the collector to copy, promote and mark
   * until the window left the cache. With a new caller on every request,
   * scavenges took 22-26 µs a cache miss against 28-42 (bench/RESULTS.md).
   */
  private readonly slots: LRUCache<string, number>;
  private readonly slab: Float64Array;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = MAX_RATE_LIMIT_KEYS,
  ) {
    this.slab = new Float64Array(maxKeys * FIELDS);
    this.slots = new LRUCache<string, number>({ max: maxKeys });
  }

  consumeInOrder(spends: readonly WindowSpend[]): Promise<RateCounter[]> {
    const counters: RateCounter[] = [];
    for (const { key, cost, windowMs, limit, blockMs } of spends) {
      const counter = this.spend(key, cost, windowMs, limit, blockMs);
      counters.push(counter);
      if (counter.blocked) {
        // Refused: the windows before this one, which admitted it a moment ago, are charged nothing for it.
        for (let at = 0; at < counters.length - 1; at += 1) {
          this.giveBack(spends[at].key, spends[at].cost);
        }
        break;
      }
    }
    return Promise.resolve(counters);
  }

  private giveBack(key: string, cost: number): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) {
      this.slab[slot * FIELDS + HITS] -= cost;
    }
  }

  private spend(key: string, cost: number, windowMs: number, limit: number, blockMs: number): RateCounter {
    const now = this.now();
    const slab = this.slab;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.newSlot();
      this.slots.set(key, slot);
      // A slot given back still holds its last window's numbers; cleared, its window starts below like an expired one.
      slab.fill(0, slot * FIELDS, slot * FIELDS + FIELDS);
    }
    const at = slot * FIELDS;
    if (slab[at + BLOCKED_UNTIL] > now) {
      return counterAt(slab, at, now);
    }
    if (slab[at + RESET_AT] <= now) {
      slab[at + HITS] = 0;
      slab[at + RESET_AT] = now + windowMs;
    }
    slab[at + HITS] += cost;
    if (slab[at + HITS] > limit) {
      slab[at + BLOCKED_UNTIL] = blockMs === BLOCK_UNTIL_RESET ? slab[at + RESET_AT] : now + blockMs;
    }
    return counterAt(slab, at, now);
  }

  /**
   * A slot for a new key. Keys leave only when this evicts one, so while
   * there is room the slots in use are exactly 0 to size - 1; once full,
   * the least recently used key goes and its slot is the new key's.
   */
  private newSlot(): number {
    const used = this.slots.size;
    // Full, the LRU always has a least recently used key to give up.
    return used < this.maxKeys ? used : (this.slots.pop() as number);
  }

  peek(key: string): Promise<RateCounter | undefined> {
    // Looking does not count as use: an operator's look keeps no idle caller's window.
    const slot = this.slots.peek(key);
    if (slot === undefined) {
      return Promise.resolve(undefined);
    }
    const at = slot * FIELDS;
    const now = this.now();
    return Promise.resolve(
      this.slab[at + RESET_AT] <= now && this.slab[at + BLOCKED_UNTIL] <= now
        ? undefined
        : counterAt(this.slab, at, now),
    );
  }
}

function counterAt(slab: Float64Array, at: number, now: number): RateCounter {
  const blockedForMs = Math.max(0, slab[at + BLOCKED_UNTIL] - now);
  return {
    hits: slab[at + HITS],
    resetInMs: Math.max(0, slab[at + RESET_AT] - now),
    blocked: blockedForMs > 0,
    blockedForMs,
  };
}
