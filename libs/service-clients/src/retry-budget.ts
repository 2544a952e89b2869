/**
 * Caps retries at a share of calls over a sliding window (Finagle's retry
 * budget), so that when an upstream fails wholesale the gateway adds at most
 * that share to its load instead of multiplying it. A small allowance per
 * window lets a quiet service still retry a lone failure. Hand-written: the
 * resilience libraries (cockatiel included) retry without any budget.
 */
export class RetryBudget {
  private readonly calls: number[] = [];
  private readonly retries: number[] = [];

  constructor(
    private readonly options: { ratio: number; windowMs: number; minRetries: number },
    private readonly now: () => number = Date.now,
  ) {}

  recordCall(): void {
    this.calls.push(this.now());
  }

  /** Spends one retry if the budget has one left; false means "do not retry". */
  tryRetry(): boolean {
    const now = this.now();
    prune(this.calls, now - this.options.windowMs);
    prune(this.retries, now - this.options.windowMs);
    const allowed = Math.max(this.options.minRetries, Math.floor(this.options.ratio * this.calls.length));
    if (this.retries.length >= allowed) {
      return false;
    }
    this.retries.push(now);
    return true;
  }

  retriesInWindow(): number {
    prune(this.retries, this.now() - this.options.windowMs);
    return this.retries.length;
  }
}

/** Drops timestamps older than `since` from the front of a sorted list. */
function prune(times: number[], since: number): void {
  let stale = 0;
  while (stale < times.length && times[stale] <= since) {
    stale += 1;
  }
  if (stale > 0) {
    times.splice(0, stale);
  }
}
