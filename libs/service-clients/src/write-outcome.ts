import { ProblemError } from '@app/problem';
import { UpstreamError } from './upstream.error.js';

/** The upstream failure behind `error`: itself, or the one a client wrapped in its own problem (a 409 or 422). */
function upstreamFailureOf(error: unknown): UpstreamError | undefined {
  if (error instanceof UpstreamError) {
    return error;
  }
  return error instanceof ProblemError && error.cause instanceof UpstreamError ? error.cause : undefined;
}

/**
 * Whether a write that failed with `error` may still have been applied
 * upstream, so that what is cached of its subject must go. Not when nothing
 * was sent (an open breaker, a pause, a full bulkhead, a refused
 * connection, no time left) nor when the service answered a refusal (a
 * 4xx: it changed nothing); a lost answer (a timeout, a reset) or a 5xx
 * may hide a change made, and so may an earlier attempt of a retried
 * write that reached the service before the one whose failure is told.
 */
export function writeMayHaveLanded(error: unknown): boolean {
  const failure = upstreamFailureOf(error);
  if (failure === undefined) {
    return !(error instanceof ProblemError && error.failedFast);
  }
  if (failure.earlierAttemptSent) {
    return true;
  }
  if (failure.failedFast || failure.unsent) {
    return false;
  }
  return failure.upstreamStatus === undefined || failure.upstreamStatus >= 500;
}
