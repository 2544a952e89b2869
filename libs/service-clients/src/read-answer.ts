import type { ServiceName } from '@app/config';
import type { z } from 'zod';
import {
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './upstream.error.js';
import type { UpstreamResponse } from './upstream-call.js';

export interface ExpectedAnswer<T> {
  schema: z.ZodType<T>;
  /** What a 404 means, for the client: "The user", "The order". */
  missing: string;
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
): T {
  const { status } = response;
  if (status >= 200 && status < 300) {
    const parsed = expected.schema.safeParse(response.body);
    if (!parsed.success) {
      throw new UpstreamBadResponseError(service, { cause: parsed.error });
    }
    return parsed.data;
  }
  const cause = new Error(`upstream answered ${status}`);
  if (status === 404) {
    throw new UpstreamNotFoundError(service, expected.missing);
  }
  if (status === 504 || status === 408) {
    throw new UpstreamTimeoutError(service, { status, cause });
  }
  if (status === 502 || status === 503 || status === 429) {
    throw new UpstreamUnavailableError(service, { status, cause });
  }
  throw new UpstreamBadResponseError(service, { status, cause });
}
