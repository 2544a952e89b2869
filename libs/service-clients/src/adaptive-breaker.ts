import type { BreakerConfig } from '@app/config';
import { SamplingBreaker, type CircuitState, type IBreaker } from 'cockatiel';

/**
 * Opens on either sign of an outage: a run of consecutive failures, or a
 * failure rate over a rolling window with enough traffic to trust it
 * (cockatiel's SamplingBreaker). While another gateway instance reports the
 * service failing (`isSuspect`), a shorter run opens it, so this instance
 * stops calling after a couple of failures instead of discovering the
 * outage all over again.
 */
export class AdaptiveBreaker implements IBreaker {
  private consecutiveFailures = 0;
  /** Absent when the configured rate is 1: rate-based opening is off. */
  private readonly sampling: SamplingBreaker | undefined;

  constructor(
    private readonly config: BreakerConfig,
    private readonly isSuspect: () => boolean,
  ) {
    this.sampling =
      config.failureRate < 1
        ? new SamplingBreaker({
            threshold: config.failureRate,
            duration: config.windowMs,
            minimumRps: config.minimumRps,
          })
        : undefined;
  }

  get state(): unknown {
    return { consecutiveFailures: this.consecutiveFailures, sampling: this.sampling?.state };
  }

  set state(value: unknown) {
    const saved = value as { consecutiveFailures: number; sampling: unknown };
    this.consecutiveFailures = saved.consecutiveFailures;
    if (this.sampling !== undefined) {
      this.sampling.state = saved.sampling;
    }
  }

  success(state: CircuitState): void {
    this.consecutiveFailures = 0;
    this.sampling?.success(state);
  }

  failure(state: CircuitState): boolean {
    this.consecutiveFailures += 1;
    // The sampler must see every failure, so it is asked before the run short-circuits.
    const byRate = this.sampling?.failure(state) ?? false;
    const threshold = this.isSuspect()
      ? this.config.suspectConsecutiveFailures
      : this.config.consecutiveFailures;
    return byRate || this.consecutiveFailures >= threshold;
  }
}
