/** One caller's standing in one window, as every store reports it. */
export interface RateCounter {
  /** Units used in the current window. */
  hits: number;
  /** Until the window starts again. */
  resetInMs: number;
  blocked: boolean;
  /** Until a blocked caller may try again. */
  blockedForMs: number;
}

/**
 * A block that lasts until the window resets, when the window said it
 * would: a route that names no block duration of its own. A block of a
 * whole window from the refused request (the throttler library's default)
 * outlived the Reset announced just before, and a client that waited for it
 * was refused again.
 */
export const BLOCK_UNTIL_RESET = -1;

/** What a request spends in one window: `cost` units of `key` in a window of `windowMs` holding `limit`; past it, the key is blocked for `blockMs`, or until the window resets ({@link BLOCK_UNTIL_RESET}). */
export interface WindowSpend {
  key: string;
  cost: number;
  windowMs: number;
  limit: number;
  blockMs: number;
}

export interface RateLimitStore {
  /**
   * Spends in each window in turn, as one step (one round trip to Redis),
   * and stops at the first that refuses: a refused request spends nothing
   * in the windows after it. One counter per window gone through.
   */
  consumeInOrder(spends: readonly WindowSpend[]): Promise<RateCounter[]>;
  /** The key's current standing without spending anything; undefined when it has none. */
  peek(key: string): Promise<RateCounter | undefined>;
}
