import type { EjectionConfig } from '@app/config';
import { RollingCounter } from './rolling-counter.js';

/** Where calls to one instance go: an address of a configured URL, once its host name is resolved. */
export interface Endpoint {
  /** Stable key: the URL calls are sent to. */
  id: string;
  url: string;
  /** The configured host, sent as `Host` when `url` names a resolved address instead. */
  hostHeader: string | undefined;
  weight: number;
}

const ERROR_RATE_WINDOW_MS = 30_000;

/**
 * One upstream instance and what the gateway has seen of it. Passive outlier
 * ejection is this instance's circuit breaker: after consecutive failures it
 * leaves the rotation for a growing interval, then gets calls again, and a
 * success brings it fully back. (A breaker per instance that failed fast
 * would only push the call onto another instance: ejection does that without
 * a failed call.)
 */
export class UpstreamInstance {
  inFlight = 0;
  /** Smooth weighted round robin state. */
  currentWeight = 0;
  consecutiveFailures = 0;
  ejectedUntil = 0;
  ejections = 0;
  private lastEjectedAt = 0;
  readonly recent: RollingCounter;

  constructor(
    public endpoint: Endpoint,
    private readonly ejection: EjectionConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.recent = new RollingCounter(ERROR_RATE_WINDOW_MS, now);
  }

  get id(): string {
    return this.endpoint.id;
  }

  isEjected(): boolean {
    return this.ejectedUntil > this.now();
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.recent.record(true);
    // An instance that has stayed healthy for the longest ejection starts over at the shortest one.
    if (this.ejections > 0 && this.now() - this.lastEjectedAt > this.ejection.maxMs) {
      this.ejections = 0;
    }
  }

  /**
   * Out of the rotation for `ms`, as the instance itself asked (a 503 with
   * `Retry-After`, as a draining instance sends): not a failure-driven
   * ejection, so later ones do not grow longer for it.
   */
  setAside(ms: number): void {
    this.ejectedUntil = Math.max(this.ejectedUntil, this.now() + ms);
  }

  /** Returns true when this failure ejects the instance. `mayEject` is false for the last instance in rotation. */
  recordFailure(mayEject: boolean): boolean {
    this.consecutiveFailures += 1;
    this.recent.record(false);
    if (!mayEject || this.isEjected() || this.consecutiveFailures < this.ejection.consecutiveFailures) {
      return false;
    }
    const now = this.now();
    this.ejectedUntil = now + Math.min(this.ejection.maxMs, this.ejection.baseMs * 2 ** this.ejections);
    this.ejections += 1;
    this.lastEjectedAt = now;
    this.consecutiveFailures = 0;
    return true;
  }
}
