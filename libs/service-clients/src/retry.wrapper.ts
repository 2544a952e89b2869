import { delay } from '@app/cancellation';
import type { RetryConfig } from '@app/config';
import { performance } from 'node:perf_hooks';
import { MIN_USEFUL_MS } from './axios-transport.js';
import type { RetryBudget } from './retry-budget.js';
import { UpstreamError, UpstreamTimeoutError } from './upstream.error.js';
import { isIdempotent, type UpstreamRequest, type UpstreamWrapper } from './upstream-call.js';

/** Full jitter (AWS's "Exponential Backoff and Jitter"): spreads retries of many callers over the whole interval. */
export function fullJitterDelay(baseMs: number, retry: number, random: () => number = Math.random): number {
  return Math.floor(random() * baseMs * 2 ** retry);
}

/** Whether a retry sent after `delayMs` could still finish before the deadline: one that cannot only adds load. */
function timeForAnother(request: UpstreamRequest, delayMs: number): boolean {
  return (
    !request.signal?.aborted &&
    (request.deadlineAt === undefined || request.deadlineAt - performance.now() - delayMs >= MIN_USEFUL_MS)
  );
}

function worthAnotherTry(error: UpstreamError, request: UpstreamRequest, delayMs: number): boolean {
  return error.retryable && isIdempotent(request) && timeForAnother(request, delayMs);
}

/**
 * Retries idempotent calls that failed on a connection or with 502/503/504,
 * on another instance when there is one, after a jittered backoff, within
 * the request deadline and the service's retry budget. A call whose
 * connection was refused sent nothing: it goes to another instance at
 * once, whatever its method, and spends no budget, which exists to spare
 * an upstream load it already had (a burst that met a crashed instance
 * before its ejection failed a third of its calls on the budget).
 * Hand-written rather than cockatiel's retry: the decision needs the
 * deadline and the budget, which that policy cannot consult.
 */
export function withRetries(
  config: RetryConfig,
  budget: RetryBudget,
  /** Whether an instance in rotation is left beside those already tried. */
  otherInstanceThan: (tried: ReadonlySet<string>) => boolean,
): UpstreamWrapper {
  return (next) => async (request) => {
    budget.recordCall();
    // Made on the first failure: most calls succeed at once and need no set of their own.
    let tried: Set<string> | undefined;
    let sent = false;
    for (let retry = 0; ; retry += 1) {
      try {
        return await next(tried === undefined || tried.size === 0 ? request : { ...request, avoid: tried });
      } catch (error) {
        if (!(error instanceof UpstreamError)) {
          throw error;
        }
        error.earlierAttemptSent ||= sent;
        sent ||= !error.unsent && !error.failedFast;
        if (retry >= config.maxRetries) {
          throw error;
        }
        tried ??= new Set(request.avoid);
        if (error.instance !== undefined) {
          tried.add(error.instance);
        }
        const delayMs = error.unsent ? 0 : fullJitterDelay(config.baseDelayMs, retry);
        // A call that outlived its own timeout goes again only elsewhere: the same instance would likely keep it as long.
        // An upstream's own 504 is an answer, retried like a 502 or 503.
        const waitedOut = error instanceof UpstreamTimeoutError && error.waitedOut;
        const again = error.unsent
          ? timeForAnother(request, 0)
          : worthAnotherTry(error, request, delayMs) &&
            (!waitedOut || otherInstanceThan(tried)) &&
            budget.tryRetry();
        if (!again) {
          throw error;
        }
        await delay(delayMs, request.signal).catch(() => {
          throw error;
        });
      }
    }
  };
}
