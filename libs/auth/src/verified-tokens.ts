import { LRUCache } from 'lru-cache';
import type { Caller } from './caller.js';

/** A cached verdict never outlives this, so a key dropped from the JWKS stops working within a minute. */
const MAX_REMEMBER_MS = 60_000;
const MAX_ENTRIES = 10_000;

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
  private readonly entries = new LRUCache<string, { caller: Caller; until: number }>({ max: MAX_ENTRIES });

  constructor(
    private readonly clockToleranceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): Caller | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) {
      return undefined;
    }
    if (entry.until <= this.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.caller;
  }

  /** `expiresAt` is the token's `exp` claim, in seconds. */
  remember(token: string, expiresAt: number, caller: Caller): void {
    const now = this.now();
    const ttlMs = Math.min(expiresAt * 1000 + this.clockToleranceMs - now, MAX_REMEMBER_MS);
    if (ttlMs > 0) {
      // Written out rather than spread: a spread copy got a hidden class of its own, and 10,000 remembered callers kept 10,000 (about 2 MB in a heap snapshot).
      const frozen: Caller = Object.freeze({
        kind: caller.kind,
        id: caller.id,
        roles: Object.freeze([...caller.roles]) as string[],
        tier: caller.tier,
      });
      // `until` decides, on the clock this class was given; an expired entry is dropped when it is next asked for.
      this.entries.set(token, { caller: frozen, until: now + ttlMs });
    }
  }
}
