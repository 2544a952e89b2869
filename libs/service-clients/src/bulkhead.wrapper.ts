import type { ServiceConfig } from '@app/config';
import type { Metrics } from '@app/observability';
import { BulkheadRejectedError, bulkhead, type BulkheadPolicy } from 'cockatiel';
import { UpstreamAtCapacityError } from './upstream.error.js';
import type { UpstreamWrapper } from './upstream-call.js';

export function serviceBulkhead(config: ServiceConfig): BulkheadPolicy {
  // No queue: a caller that cannot get a slot is better served by a fast fallback than by waiting behind a slow upstream.
  return bulkhead(config.maxInFlight, 0);
}

/** Caps the calls in flight to one service; beyond the cap, calls fail fast rather than pile onto it. */
export function withBulkhead(
  config: ServiceConfig,
  policy: BulkheadPolicy,
  metrics: Metrics,
): UpstreamWrapper {
  return (next) => async (request) => {
    try {
      return await policy.execute(() => next(request));
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        metrics.countRefusedCall(config.name, 'at_capacity');
        throw new UpstreamAtCapacityError(config.name, error);
      }
      throw error;
    }
  };
}
