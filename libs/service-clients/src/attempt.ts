import type { ServiceName } from '@app/config';
import { performance } from 'node:perf_hooks';
import type { Transport } from './axios-transport.js';
import type { InstancePool } from './instance-pool.js';
import type { LatencyWindow } from './latency-window.js';
import { readAnswer } from './read-answer.js';
import { UpstreamError, UpstreamUnavailableError } from './upstream.error.js';
import type { UpstreamCall } from './upstream-call.js';

/**
 * One try on one instance: pick it, send, read the answer, and tell the
 * pool how the instance did. The innermost call of every service's stack.
 */
export function attemptOn(
  service: ServiceName,
  pool: InstancePool,
  transport: Transport,
  latencies: LatencyWindow,
): UpstreamCall {
  return async (request) => {
    const instance = pool.pick(request.avoid);
    request.onPick?.(instance.id);
    const startedAt = performance.now();
    instance.inFlight += 1;
    try {
      const value = readAnswer(service, await transport(request, instance), request.expect);
      pool.recordSuccess(instance);
      latencies.record(performance.now() - startedAt);
      return value;
    } catch (caught) {
      const error =
        caught instanceof UpstreamError
          ? caught
          : new UpstreamUnavailableError(service, { cause: caught, connection: true });
      error.instance = instance.id;
      if (error.breakerFailure) {
        pool.recordFailure(instance);
      } else if (!error.cancelled && !error.failedFast) {
        // A 404 or another 4xx is a healthy instance answering.
        pool.recordSuccess(instance);
      }
      throw error;
    } finally {
      instance.inFlight -= 1;
    }
  };
}
