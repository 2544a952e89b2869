import { freshnessOf, retentionMs, type CacheEntry } from './cache-entry.js';

const policy = { staleWhileRevalidateMs: 10_000, staleIfErrorMs: 60_000 };
const entry: CacheEntry<string> = { value: 'v', storedAt: 0, freshUntil: 1_000 };

describe(freshnessOf.name, () => {
  it('serves an entry as is until its freshness ends', () => {
    expect(freshnessOf(entry, 999, policy)).toBe('fresh');
  });

  it('serves it while refreshing in the background just past its freshness', () => {
    expect(freshnessOf(entry, 1_000, policy)).toBe('revalidate');
    expect(freshnessOf(entry, 10_999, policy)).toBe('revalidate');
  });

  it('keeps it for upstream failures only, after that', () => {
    expect(freshnessOf(entry, 11_000, policy)).toBe('stale');
    expect(freshnessOf(entry, 60_999, policy)).toBe('stale');
    expect(freshnessOf(entry, 61_000, policy)).toBe('expired');
  });
});

describe(retentionMs.name, () => {
  it('keeps an entry in the stores as long as any reader may still use it', () => {
    expect(retentionMs(15_000, policy)).toBe(75_000);
  });
});
