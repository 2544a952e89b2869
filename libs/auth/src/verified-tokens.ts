import { CacheableMemory } from '@cacheable/memory';
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
 * whichever is first.
 */
export class VerifiedTokens {
  private readonly entries = new CacheableMemory({
    lruSize: MAX_ENTRIES,
    useClone: false,
    storeHashSize: 1,
  });

  constructor(
    private readonly clockToleranceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): Caller | undefined {
    const entry = this.entries.get<{ caller: Caller; until: number }>(token);
    return entry !== undefined && entry.until > this.now() ? entry.caller : undefined;
  }

  /** `expiresAt` is the token's `exp` claim, in seconds. */
  remember(token: string, expiresAt: number, caller: Caller): void {
    const now = this.now();
    const ttlMs = Math.min(expiresAt * 1000 + this.clockToleranceMs - now, MAX_REMEMBER_MS);
    if (ttlMs > 0) {
      const frozen = Object.freeze({ ...caller, roles: Object.freeze([...caller.roles]) as string[] });
      // The cache's own expiry only frees the memory; `until` decides, on the clock this class was given.
      this.entries.set(token, { caller: frozen, until: now + ttlMs }, ttlMs);
    }
  }
}
