import {
  endUpstreamSpan,
  startUpstreamSpan,
  traceparentOf,
  type Metrics,
  type UpstreamCallRecord,
} from '@app/observability';
import type { ServiceName } from '@app/config';
import { performance } from 'node:perf_hooks';
import type { Transport } from './axios-transport.js';
import type { InstancePool } from './instance-pool.js';
import type { LatencyWindow } from './latency-window.js';
import { readAnswer } from './read-answer.js';
import { UpstreamError, UpstreamUnavailableError } from './upstream.error.js';
import type { UpstreamCall } from './upstream-call.js';
import { instanceLabel, upstreamOutcome } from './upstream-outcome.js';

/** The outcome an access line shows for an attempt still waiting on its upstream when the line is written. */
export const IN_FLIGHT = 'in_flight';

/**
 * One try on one instance: pick it, send, read the answer, and tell the
 * pool how the instance did and the metrics how long it took and how it
 * ended. The innermost call of every service's stack. With tracing on, each
 * attempt is a span of its own (a retry or a hedge is another), child of
 * its section's span or else the request's, and the upstream is sent that
 * span's traceparent.
 */
export function attemptOn(
  service: ServiceName,
  pool: InstancePool,
  transport: Transport,
  latencies: LatencyWindow,
  metrics: Metrics,
): UpstreamCall {
  const labels = new Map<string, string>();
  const labelOf = (url: string): string => {
    let label = labels.get(url);
    if (label === undefined) {
      label = instanceLabel(url);
      labels.set(url, label);
    }
    return label;
  };
  const maxRetryAfterSeconds = Math.ceil(pool.maxPauseMs / 1000);
  return async (request) => {
    const context = request.context;
    const instance = pool.pick(request.avoid);
    request.onPick?.(instance.id);
    const parent = request.span ?? context?.span;
    const span =
      parent === undefined
        ? undefined
        : startUpstreamSpan(parent, {
            service,
            method: request.method,
            instance: labelOf(instance.endpoint.url),
          });
    const startedAt = performance.now();
    /*
     * Listed as it starts, and completed as it ends: a client that hangs up
     * gets its access line at once, and a write still on its way upstream
     * (or made already) must show in it rather than "no upstream call".
     */
    const record: UpstreamCallRecord = { service, outcome: IN_FLIGHT, ms: 0 };
    context?.upstreamCalls.push(record);
    instance.inFlight += 1;
    let failure: UpstreamError | undefined;
    let gatewayFault = false;
    let status: number | undefined;
    try {
      const response = await transport(
        span === undefined ? request : { ...request, traceparent: traceparentOf(span) },
        instance,
      );
      status = response.status;
      // A relayed call's Retry-After is its caller's own to follow, the service's words passed on: the gateway,
      // which pauses nothing for it, caps it only at a day.
      const value = readAnswer(
        service,
        response,
        request.expect,
        request.forOneCaller === true ? Number.POSITIVE_INFINITY : maxRetryAfterSeconds,
      );
      pool.recordSuccess(instance);
      latencies.record(performance.now() - startedAt);
      return value;
    } catch (caught) {
      if (!(caught instanceof UpstreamError)) {
        // The transport turns every network failure into an UpstreamError: anything else is the gateway's own
        // fault (a request it could not build), which must not eject the instance or open the breaker.
        gatewayFault = true;
        throw caught;
      }
      let error = caught;
      if (error.breakerFailure) {
        pool.recordFailure(instance);
        const instancePause = error.pauseAskedWith(503);
        if (instancePause !== undefined && pool.setAside(instance, instancePause)) {
          // The pause was this instance's, a draining one's: another may take the call at once (a retry, as
          // for any 503), and the client is not told to wait for it. A 429 speaks for the whole service.
          error = new UpstreamUnavailableError(service, { status: 503, cause: caught });
        }
      } else if (!error.cancelled && !error.failedFast) {
        // A 404 or another 4xx is a healthy instance answering.
        pool.recordSuccess(instance);
      }
      error.instance = instance.id;
      failure = error;
      throw error;
    } finally {
      instance.inFlight -= 1;
      const outcome = gatewayFault ? 'gateway_error' : upstreamOutcome(failure);
      const elapsedMs = performance.now() - startedAt;
      metrics.recordUpstreamAttempt(service, labelOf(instance.endpoint.url), outcome, elapsedMs / 1000);
      record.outcome = outcome;
      record.ms = Math.round(elapsedMs);
      if (span !== undefined) {
        endUpstreamSpan(span, status, outcome);
      }
    }
  };
}
