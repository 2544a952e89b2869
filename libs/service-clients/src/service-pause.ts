/**
 * A pause a service asked the gateway for: a 429 with `Retry-After` says
 * "stop calling for this long", and since the gateway is the service's one
 * client (it sends no end user's credentials upstream), it speaks for every
 * call to it. Calling on would only be refused again and keep an
 * overloaded service busy refusing. A pause never lasts longer than
 * `maxMs` (EJECTION_MAX_MS), so a service that asks for an hour is tried
 * again within the ejection limit. Kept apart from the breaker, which
 * counts failures: a 429 is the service working as meant.
 */
/** The pause a `Retry-After` of `seconds` asks for, never longer than `maxMs` (EJECTION_MAX_MS): a service or instance asking for an hour is tried again within the ejection limit. */
export function pauseMs(seconds: number, maxMs: number): number {
  return Math.min(seconds * 1000, maxMs);
}

export class ServicePause {
  private until = 0;

  constructor(
    private readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the pause, or makes a running one last longer; returns how long it now lasts, in ms. */
  pause(seconds: number): number {
    this.until = Math.max(this.until, this.now() + pauseMs(seconds, this.maxMs));
    return this.msLeft();
  }

  /** Milliseconds until calls may go again; 0 when they may go now. */
  msLeft(): number {
    if (this.until === 0) {
      return 0;
    }
    const left = this.until - this.now();
    if (left <= 0) {
      this.until = 0;
      return 0;
    }
    return left;
  }
}
