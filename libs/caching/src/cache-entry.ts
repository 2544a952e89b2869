/** What the cache stores: the value and when it was fetched, so any reader can tell how fresh it is. */
export interface CacheEntry<T> {
  value: T;
  /** `Date.now()` when the value came from the upstream. */
  storedAt: number;
  /** `Date.now()` until which the value is fresh. */
  freshUntil: number;
}

export interface FreshnessPolicy {
  staleWhileRevalidateMs: number;
  staleIfErrorMs: number;
}

/**
 * - fresh: serve it;
 * - revalidate: serve it at once and refresh it in the background;
 * - stale: load it again, and serve it only if that fails;
 * - expired: useless, load it again.
 */
export type Freshness = 'fresh' | 'revalidate' | 'stale' | 'expired';

export function freshnessOf(entry: CacheEntry<unknown>, now: number, policy: FreshnessPolicy): Freshness {
  const past = now - entry.freshUntil;
  if (past < 0) {
    return 'fresh';
  }
  if (past < policy.staleWhileRevalidateMs) {
    return 'revalidate';
  }
  return past < policy.staleIfErrorMs ? 'stale' : 'expired';
}

/** How long the stores keep an entry: as long as any reader may still use it. */
export function retentionMs(ttlMs: number, policy: FreshnessPolicy): number {
  return ttlMs + Math.max(policy.staleWhileRevalidateMs, policy.staleIfErrorMs);
}

export function isCacheEntry(value: unknown): value is CacheEntry<unknown> {
  const entry = value as Partial<CacheEntry<unknown>> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.storedAt === 'number' &&
    typeof entry.freshUntil === 'number'
  );
}
