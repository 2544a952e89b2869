import type { ServiceName } from '@app/config';
import { ContractBreach, type ExpectedAnswer } from './expected-answer.js';
import { retryAfterSeconds } from './retry-after.js';
import {
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './upstream.error.js';
import type { UpstreamResponse } from './upstream-call.js';

/**
 * A client is told to come back when the gateway itself will try the
 * service again, never later: an upstream asking for a day once sent the
 * first client away for a day and the next for the gateway's 30 seconds.
 */
function retryAfterAtMost(seconds: number | undefined, maxSeconds: number): number | undefined {
  return seconds === undefined ? undefined : Math.min(seconds, maxSeconds);
}

/**
 * Turns an upstream answer into a typed value or a typed failure: 2xx must
 * fit the contract's schema, 404 means the thing is missing, overload and
 * gateway statuses mean unavailable or slow, and anything else is a bad answer.
 */
export function readAnswer<T>(
  service: ServiceName,
  response: UpstreamResponse,
  expected: ExpectedAnswer<T>,
  maxRetryAfterSeconds: number,
): T {
  const { status } = response;
  if (status >= 200 && status < 300) {
    const value = expected.read(response.body, status);
    if (value instanceof ContractBreach) {
      throw new UpstreamBadResponseError(service, { cause: value });
    }
    return value;
  }
  const cause = new Error(`upstream answered ${status}`);
  if (status === 404 && expected.missing !== undefined) {
    throw new UpstreamNotFoundError(service, expected.missing);
  }
  if (status === 504 || status === 408) {
    throw new UpstreamTimeoutError(service, { status, cause });
  }
  if (status === 502 || status === 503 || status === 429) {
    throw new UpstreamUnavailableError(service, {
      status,
      cause,
      retryAfterSeconds: retryAfterAtMost(
        retryAfterSeconds(response.retryAfter, Date.now()),
        maxRetryAfterSeconds,
      ),
    });
  }
  throw new UpstreamBadResponseError(service, { status, cause });
}
