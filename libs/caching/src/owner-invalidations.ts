/** What an invalidation reads off a memory-layer entry. */
export interface OwnedRecord {
  /** The user whose data this is; none for data of nobody's in particular. */
  owner?: string;
  /** {@link OwnerInvalidations.now} when the entry was written. */
  written?: number;
}

/**
 * Past this many users invalidated since the last fold, every owned entry
 * written until then goes stale at once and the list starts again: a
 * bound on memory that costs, at worst, one reload of each user's entries.
 */
export const MAX_INVALIDATED_OWNERS = 100_000;

/*
 * Which owned entries an invalidation has made stale, without a list of
 * each owner's keys. An owned entry carries the clock's reading when it was
 * written; invalidating an owner moves the clock on and notes the new
 * reading against the owner, and an entry written before its owner's last
 * invalidation reads as absent (and is then dropped). A cache miss used to
 * file every entry's key in a Set per owner, kept in step by lru-cache's
 * dispose hook: with a new user per request that was a Set per request,
 * promoted and collected later; without it a miss measured 0.89x to 1.01x
 * the CPU in six runs of alternating rounds (bench/RESULTS.md).
 * Invalidations are rare beside reads, so a Map of the owners invalidated
 * is small; past its bound it folds into `floor`.
 */
export class OwnerInvalidations {
  private clock = 0;
  /** Owned entries written before this reading are stale, whoever owns them. */
  private floor = 0;
  private readonly invalidatedAt = new Map<string, number>();

  /** The reading an entry written now carries. */
  get now(): number {
    return this.clock;
  }

  /** From now on, every entry of `owner` written before this call is stale. */
  invalidate(owner: string): void {
    this.clock += 1;
    if (this.invalidatedAt.size >= MAX_INVALIDATED_OWNERS && !this.invalidatedAt.has(owner)) {
      this.floor = this.clock;
      this.invalidatedAt.clear();
      return;
    }
    this.invalidatedAt.set(owner, this.clock);
  }

  /** From now on, every owned entry written before this call is stale, whoever owns it. */
  invalidateAll(): void {
    this.clock += 1;
    this.floor = this.clock;
    this.invalidatedAt.clear();
  }

  /** The clock's reading at `owner`'s last invalidation (a fold counts for everyone); 0 if it has none. */
  lastInvalidated(owner: string | undefined): number {
    return owner === undefined ? 0 : Math.max(this.floor, this.invalidatedAt.get(owner) ?? 0);
  }

  /** Whether an entry may still be served: it has no owner, or was written after its owner's last invalidation and the last fold. */
  isCurrent(record: OwnedRecord): boolean {
    if (record.owner === undefined) {
      return true;
    }
    const written = record.written ?? 0;
    return written >= this.floor && written >= (this.invalidatedAt.get(record.owner) ?? 0);
  }
}
