import { Cancellation, timeoutAfterReads } from '@app/cancellation';
import type { HedgeConfig } from '@app/config';
import type { LatencyWindow } from './latency-window.js';
import type { RetryBudget } from './retry-budget.js';
import { isIdempotent, type UpstreamWrapper } from './upstream-call.js';

const HEDGE_PERCENTILE = 95;

/**
 * Hedged requests (off unless configured): when an idempotent call has not
 * answered after the delay (the configured one, or the service's observed
 * p95), a second attempt goes to another instance, when one is in
 * rotation (to the same one it would only add load); the first answer wins
 * and the other attempt is aborted. Each hedge spends from the retry budget,
 * so hedging can never double the load of a slow service.
 */
export function withHedging(
  config: HedgeConfig,
  latencies: LatencyWindow,
  budget: RetryBudget,
  /** Whether an instance in rotation is left beside those an attempt already went to. */
  otherInstanceThan: (picked: ReadonlySet<string>) => boolean,
): UpstreamWrapper {
  if (!config.enabled) {
    return (next) => next;
  }
  return (next) => (request) => {
    const delayMs = config.delayMs > 0 ? config.delayMs : latencies.percentile(HEDGE_PERCENTILE);
    if (!isIdempotent(request) || delayMs === undefined) {
      return next(request);
    }
    return new Promise((resolve, reject) => {
      const attempts: Cancellation[] = [];
      const picked = new Set<string>();
      let running = 0;
      let settled = false;
      let lastError: unknown;

      const finish = (outcome: () => void): void => {
        settled = true;
        stopHedgeTimer();
        for (const attempt of attempts) {
          attempt.abort();
        }
        outcome();
      };
      const launch = (): void => {
        // Stopped when the caller is, or when the other attempt has won.
        const own = Cancellation.following(request.signal);
        attempts.push(own);
        running += 1;
        next({
          ...request,
          signal: own,
          avoid: new Set([...(request.avoid ?? []), ...picked]),
          onPick: (id) => picked.add(id),
        }).then(
          (value) => {
            if (!settled) {
              finish(() => resolve(value));
            }
          },
          (error: unknown) => {
            running -= 1;
            lastError = error;
            // With the hedge still to come, a failure ends the call: the retry wrapper decides what next.
            if (!settled && running === 0) {
              finish(() => reject(lastError));
            }
          },
        );
      };
      // Not while the first attempt's answer waits to be read, nor to the same instance: a hedge then only adds load.
      const stopHedgeTimer = timeoutAfterReads(delayMs, () => {
        if (!settled && running > 0 && otherInstanceThan(picked) && budget.tryRetry()) {
          launch();
        }
      });
      launch();
    });
  };
}
