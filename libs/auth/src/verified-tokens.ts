import { LRUCache } from 'lru-cache';
import type { Caller } from './caller.js';

/** A cached verdict never outlives this, so a key dropped from the JWKS stops working within a minute. */
const MAX_REMEMBER_MS = 60_000;
const MAX_ENTRIES = 10_000;

/** Shared by every remembered caller without roles, most users: one array fewer to keep per token. */
const NO_ROLES: string[] = Object.freeze([]) as unknown as string[];

/**
 * Tokens already verified, by their exact text (signature included), with
 * the caller each stands for. Apps send the same token on every request for
 * its whole life; checking its signature once per minute instead of on every
 * request saves the HMAC or RSA work and passport-jwt's parsing. An entry
 * lasts until the token expires (with the clock tolerance) or a minute,
 * whichever is first; the least recently used go first past 10,000.
 * lru-cache rather than @cacheable/memory: that store runs hooks, stats and
 * a store-hash lookup on every call, and remembering each new token cost
 * 1.1% of a cache miss's CPU profile, where every request brings one.
 */
export class VerifiedTokens {
  /*
   * Each entry's lifetime is lru-cache's own ttl, which it keeps in two
   * arrays of numbers beside its keys, rather than a timestamp in a wrapper
   * object: an entry outlives many young-generation collections, and the
   * wrapper and its boxed timestamp were two more heap objects a token for
   * the collector to copy, promote and mark. `ttlResolution: 0` reads the
   * clock on each check, where the default would arm a timer every
   * millisecond to forget it.
   */
  private readonly entries: LRUCache<string, Caller>;

  constructor(
    private readonly clockToleranceMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new LRUCache<string, Caller>({
      max: MAX_ENTRIES,
      ttl: MAX_REMEMBER_MS,
      ttlResolution: 0,
      perf: { now },
    });
  }

  get(token: string): Caller | undefined {
    return this.entries.get(token);
  }

  /** `expiresAt` is the token's `exp` claim, in seconds. */
  remember(token: string, expiresAt: number, caller: Caller): void {
    const ttlMs = Math.min(expiresAt * 1000 + this.clockToleranceMs - this.now(), MAX_REMEMBER_MS);
    // lru-cache reads a ttl of 0 as "never expires": an expired token is not remembered at all.
    if (ttlMs > 0) {
      // Written out rather than spread: a spread copy got a hidden class of its own, and 10,000 remembered callers kept 10,000 (about 2 MB in a heap snapshot).
      const frozen: Caller = Object.freeze({
        kind: caller.kind,
        id: caller.id,
        roles: caller.roles.length === 0 ? NO_ROLES : (Object.freeze([...caller.roles]) as string[]),
        tier: caller.tier,
      });
      this.entries.set(token, frozen, { ttl: ttlMs });
    }
  }
}
