/**
 * The baseline's in-memory cache: a Map with an expiry per entry and a
 * bound, oldest entry out first. Hand-written rather than a library because
 * the yardstick should carry nothing but the lookup itself. It holds the
 * pending promise, so concurrent misses for one key share one upstream call
 * (the product's single-flight), and drops a load that fails, so errors are
 * never served from it.
 */
export class TtlCache {
  private readonly entries = new Map<string, { value: Promise<unknown>; expiresAt: number }>();

  constructor(private readonly maxEntries: number) {}

  get<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt > now) {
      return entry.value as Promise<T>;
    }
    const value = load();
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + ttlMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) {
        this.entries.delete(oldest);
      }
    }
    void value.catch(() => {
      if (this.entries.get(key)?.value === value) {
        this.entries.delete(key);
      }
    });
    return value;
  }
}
