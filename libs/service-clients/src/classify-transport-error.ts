import type { ServiceName } from '@app/config';
import { isAxiosError, isCancel } from 'axios';
import {
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from './upstream.error.js';

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);
const OVERSIZED_CODES = new Set(['ERR_BAD_RESPONSE', 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED']);

/** axios reports an oversized body and a body cut off by a dying connection with the same code; only the first is the upstream's answer. */
function isOversized(code: string, error: unknown): boolean {
  return (
    OVERSIZED_CODES.has(code) &&
    error instanceof Error &&
    /maxContentLength|max(imum)? body length/i.test(error.message)
  );
}

/**
 * What a failed exchange means. A call cut by the request deadline is a
 * timeout whatever the socket said; one aborted for the caller's sake is
 * cancelled (no verdict on the upstream); a refused, reset or unresolvable
 * connection is an unavailable instance.
 */
export function classifyTransportError(
  service: ServiceName,
  error: unknown,
  context: { deadlinePassed: boolean; abortedByCaller: boolean },
): UpstreamError {
  if (context.deadlinePassed) {
    return new UpstreamTimeoutError(service, { cause: error });
  }
  if (context.abortedByCaller || isCancel(error)) {
    return new UpstreamUnavailableError(service, { cause: error, cancelled: true });
  }
  const code = isAxiosError(error) ? error.code : (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new UpstreamTimeoutError(service, { cause: error });
  }
  if (typeof code === 'string' && isOversized(code, error)) {
    return new UpstreamBadResponseError(service, { cause: error });
  }
  return new UpstreamUnavailableError(service, { cause: error, connection: true });
}
