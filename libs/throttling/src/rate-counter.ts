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

export interface RateLimitStore {
  /** Spends `cost` units of `key` in a window of `windowMs` holding `limit`; past it, blocks the key for `blockMs`. */
  consume(key: string, cost: number, windowMs: number, limit: number, blockMs: number): Promise<RateCounter>;
  /** The key's current standing without spending anything; undefined when it has none. */
  peek(key: string): Promise<RateCounter | undefined>;
}
