import { LRUCache } from 'lru-cache';
import type { RateCounter, WindowSpend } from './rate-counter.js';

/**
 * A lease is granted only while every window of the caller has at least
 * this many leases' worth left, so what instances hold ahead is a small
 * share of what is left and never comes near the limit: close to it, every
 * request is counted in Redis, and the limit is exact.
 */
export const LEASE_SHARE = 32;

/** At most this long, so a block another instance sets holds here within a second. */
const LEASE_HOLD_MS = 1_000;

/** Callers holding a lease at once; a caller pushed out loses its lease and any units it would have given back. */
const MAX_LEASES = 10_000;

interface LeasedWindow {
  key: string;
  /** The limit it was granted under: a route with a limit of its own counts in the same window, but not on this lease. */
  limit: number;
  /** The window's count in Redis when the lease was granted, the lease included. */
  countAtGrant: number;
  /** When the window starts again, as this instance can tell: no later than Redis's own. */
  resetAt: number;
}

interface Lease {
  windows: LeasedWindow[];
  /** Counted in Redis, not yet spent here. */
  units: number;
  expiresAt: number;
}

/** What Redis answered a request counted there: its counters, and the units it leased on top. */
export interface SharedStanding {
  counters: RateCounter[];
  granted: number;
}

function sameKeys(lease: Lease, spends: readonly WindowSpend[]): boolean {
  return (
    lease.windows.length === spends.length &&
    lease.windows.every((window, at) => window.key === spends[at].key)
  );
}

/** The same windows under the same limits: only such a request spends from the lease. */
function sameWindows(lease: Lease, spends: readonly WindowSpend[]): boolean {
  return sameKeys(lease, spends) && lease.windows.every((window, at) => window.limit === spends[at].limit);
}

/** One cost for every window: a lease is the same units in each, so only such a request can spend from one. */
export function leasable(spends: readonly WindowSpend[]): boolean {
  return spends.length > 0 && spends.every((spend) => spend.cost === spends[0].cost);
}

/**
 * Units a caller far from its limits had counted in Redis ahead of use, so
 * that this instance admits the next requests without a round trip, as
 * Kong's `sync_rate` and Envoy's quota-based limits do. Unlike counting
 * locally and syncing later, a lease is counted before it is spent: all
 * instances together never admit more than a limit. What it costs is
 * precision away from the limit: until they are spent or given back, units
 * an instance holds show in other instances' counters. Units not spent
 * before the lease ends go back to the windows still running with the
 * caller's next request counted in Redis.
 */
export class RateLeases {
  /** Each lease under every one of its windows' keys, so an operator's look at one window finds it. */
  private readonly leases = new LRUCache<string, Lease>({ max: MAX_LEASES * 2 });

  /** The counters of a request admitted on its caller's lease, or undefined when Redis must count it. */
  spend(spends: readonly WindowSpend[], now: number): RateCounter[] | undefined {
    const lease = spends.length === 0 ? undefined : this.leases.get(spends[0].key);
    if (
      lease === undefined ||
      now >= lease.expiresAt ||
      lease.units < spends[0].cost ||
      !sameWindows(lease, spends) ||
      !leasable(spends)
    ) {
      return undefined;
    }
    lease.units -= spends[0].cost;
    return lease.windows.map((window) => ({
      hits: window.countAtGrant - lease.units,
      resetInMs: window.resetAt - now,
      blocked: false,
      blockedForMs: 0,
    }));
  }

  /**
   * Per window, the units of a lease to give back with a request Redis
   * counts (the lease ended, or the request is to a route with a limit of
   * its own, which must see the count without them): none to a window that
   * has started again, whose count the units left with. Taken once: the
   * lease holds nothing afterwards.
   */
  giveBack(spends: readonly WindowSpend[], now: number): number[] | undefined {
    const lease = spends.length === 0 ? undefined : this.leases.peek(spends[0].key);
    if (lease === undefined || lease.units === 0 || !sameKeys(lease, spends)) {
      return undefined;
    }
    const units = lease.units;
    lease.units = 0;
    return lease.windows.map((window) => (now < window.resetAt ? units : 0));
  }

  /** Keeps the units Redis leased with a request sent at `sentAt`, with what a lease still running holds. */
  record(spends: readonly WindowSpend[], sentAt: number, standing: SharedStanding): void {
    if (standing.granted <= 0 || standing.counters.length !== spends.length) {
      return;
    }
    const running = this.leases.peek(spends[0].key);
    const carried =
      running !== undefined && sentAt < running.expiresAt && sameWindows(running, spends) ? running.units : 0;
    const windows = spends.map((spend, at) => ({
      key: spend.key,
      limit: spend.limit,
      countAtGrant: standing.counters[at].hits + standing.granted,
      resetAt: sentAt + standing.counters[at].resetInMs,
    }));
    const lease: Lease = {
      windows,
      units: carried + standing.granted,
      expiresAt: Math.min(sentAt + LEASE_HOLD_MS, ...windows.map((window) => window.resetAt)),
    };
    for (const window of windows) {
      this.leases.set(window.key, lease);
    }
  }

  /** Units of this window counted in Redis for leases of this instance, not yet spent. */
  unspent(key: string, now: number): number {
    const lease = this.leases.peek(key);
    const window = lease?.windows.find((leased) => leased.key === key);
    return lease !== undefined && window !== undefined && now < window.resetAt ? lease.units : 0;
  }
}
