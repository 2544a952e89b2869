import { ProblemError } from '@app/problem';
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import type { InvalidTokenReason } from './invalid-token.error.js';
import type { InvalidApiKeyReason } from './unauthorized-problem.js';

export interface FailedAttemptsLimit {
  /** Failures an address may make in a window before it is held back; 0 counts none. */
  limit: number;
  windowMs: number;
}

/*
 * The refusals counted against an address: those that look like someone
 * trying credentials (a forged or mangled token, a key that matches no
 * consumer). A token that has lapsed, was issued for another audience or
 * by another issuer, or is not there at all is what an app resuming or a
 * visitor not signed in yet sends: counted, one carrier NAT's routine
 * expiries would hold back every token refreshed behind it. Claims are
 * checked only once the signature holds, so none of those is a guess.
 */
const TOKEN_GUESSES: ReadonlySet<InvalidTokenReason> = new Set([
  'too-large',
  'malformed',
  'bad-signature',
  'algorithm-not-allowed',
  'invalid',
]);
const KEY_GUESSES: ReadonlySet<InvalidApiKeyReason> = new Set(['unknown', 'too-large']);

/** Whether a refused token counts as a failed attempt. */
export function tokenRefusalCounts(reason: InvalidTokenReason): boolean {
  return TOKEN_GUESSES.has(reason);
}

/** Whether a refused API key counts as a failed attempt. */
export function keyRefusalCounts(reason: InvalidApiKeyReason): boolean {
  return KEY_GUESSES.has(reason);
}

/** An address's failed authentications in its current window, and how long it is still held back. */
export interface AddressStanding {
  limit: number;
  windowMs: number;
  failures: number;
  heldBackForMs: number;
}

/** Addresses tracked at once; past it the least recently failing are forgotten first. */
const MAX_ADDRESSES = 10_000;

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const BRACKETED_IPV6 = /^\[([^\]]+)\](?::\d{1,5})?$/;

/**
 * A client address without the port some proxies write beside it in
 * X-Forwarded-For (`203.0.113.7:41234`, `[2001:db8::1]:41234`, as Azure's
 * Application Gateway does): each request would otherwise be a new client,
 * counted and limited on its own.
 */
export function withoutPort(address: string): string {
  return IPV4_WITH_PORT.exec(address)?.[1] ?? BRACKETED_IPV6.exec(address)?.[1] ?? address;
}

/**
 * The key a client address's failures are counted under, one per client
 * rather than per spelling: an IPv4 address written as IPv6
 * (`::ffff:1.1.1.1`) or with leading zeros is the IPv4 address, and an IPv6
 * address counts with its whole /64, which a subscriber is usually given
 * whole: one address at a time, a client had a fresh limit with each of
 * its 2^64. Text that is no address is its own key.
 */
export function addressKey(written: string): string {
  const address = withoutPort(written);
  if (!ipaddr.isValid(address)) {
    return address;
  }
  const parsed = ipaddr.process(address);
  return parsed.kind() === 'ipv4'
    ? parsed.toString()
    : `${(parsed as ipaddr.IPv6).parts
        .slice(0, 4)
        .map((part) => part.toString(16))
        .join(':')}::/64`;
}

/**
 * Failed authentications per client address, for callers the throttler
 * cannot count: it counts a caller once authenticated (by user or
 * consumer), so a client sending bad tokens or keys was never limited at
 * all. Past `limit` failures in a window, an address is answered 429 until
 * the window ends, before its credentials are read, except for a token
 * this instance has already verified: many users may share one address
 * (a carrier's NAT), and those already signed in keep working. Counted in
 * each instance's memory, rather than in Redis with the rate limits, so
 * that it costs every request one map lookup and a failure one map write,
 * and nothing while off. Off unless AUTH_FAILURE_LIMIT is set: behind a
 * proxy the gateway does not trust, every client would share the proxy's
 * address.
 */
export class FailedAttempts {
  /*
   * An address's count, living for the window that began with its first
   * failure: lru-cache's own ttl, not renewed by later failures
   * (`noUpdateTTL`). `ttlResolution: 0` reads the clock on each check.
   */
  private readonly failures: LRUCache<string, number> | undefined;

  constructor(
    private readonly settings: FailedAttemptsLimit,
    now: () => number = Date.now,
  ) {
    // Off (the default), nothing is kept and every check is a field read: no table for 10,000 addresses, no lookup per request.
    this.failures =
      settings.limit > 0
        ? new LRUCache<string, number>({
            max: MAX_ADDRESSES,
            ttl: Math.max(1, settings.windowMs),
            ttlResolution: 0,
            perf: { now },
          })
        : undefined;
  }

  /** What an operator is shown of `address` (the admin view of `ip:` callers); nothing while the limit is off. */
  standing(address: string): AddressStanding | undefined {
    if (this.failures === undefined) {
      return undefined;
    }
    return {
      limit: this.settings.limit,
      windowMs: this.settings.windowMs,
      failures: this.failures.get(addressKey(address)) ?? 0,
      heldBackForMs: this.heldBackForMs(address),
    };
  }

  /** Counts a refused authentication from `address`. */
  record(address: string): void {
    if (this.failures !== undefined) {
      const key = addressKey(address);
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1, { noUpdateTTL: true });
    }
  }

  /** Milliseconds until `address` may try again; 0 when it may now. */
  heldBackForMs(address: string): number {
    if (this.failures === undefined) {
      return 0;
    }
    const key = addressKey(address);
    const count = this.failures.get(key);
    if (count === undefined || count < this.settings.limit) {
      return 0;
    }
    return Math.max(0, this.failures.getRemainingTTL(key));
  }

  /** The 429 for an address held back, with the wait and the limit it went over. */
  problem(waitMs: number): ProblemError {
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    return new ProblemError(
      'too-many-requests',
      `Too many failed authentications from this address; retry in ${retryAfter} s.`,
      {
        headers: {
          'retry-after': String(retryAfter),
          'ratelimit-limit': String(this.settings.limit),
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(retryAfter),
          'ratelimit-policy': `${this.settings.limit};w=${Math.ceil(this.settings.windowMs / 1000)}`,
        },
      },
    );
  }
}
