import type { ServiceName } from '@app/config';
import { isAxiosError } from 'axios';
import {
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from './upstream.error.js';

const TIMEOUT_CODES = new Set([
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const OVERSIZED_CODES = new Set(['ERR_BAD_RESPONSE', 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED']);

/**
 * What a failed exchange means for the caller. A call cut by its deadline is
 * a timeout whatever the socket said; a refused, reset or unresolvable
 * connection is an unavailable service.
 */
export function classifyTransportError(
  service: ServiceName,
  error: unknown,
  deadlinePassed: boolean,
): UpstreamError {
  if (deadlinePassed) {
    return new UpstreamTimeoutError(service, error);
  }
  const code = isAxiosError(error) ? error.code : (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new UpstreamTimeoutError(service, error);
  }
  if (typeof code === 'string' && OVERSIZED_CODES.has(code)) {
    return new UpstreamBadResponseError(service, error);
  }
  return new UpstreamUnavailableError(service, error);
}
