import type { ServiceName } from '@app/config';
import { isAxiosError, isCancel } from 'axios';
import {
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from './upstream.error.js';

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);
/** A request the gateway could not even build or send (a bad header value, a body it cannot serialize). */
const GATEWAY_FAULT_CODES = new Set([
  'ERR_BAD_OPTION',
  'ERR_BAD_OPTION_VALUE',
  'ERR_BAD_REQUEST',
  'ERR_INVALID_URL',
  'ERR_NOT_SUPPORT',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'ERR_UNESCAPED_CHARACTERS',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
]);
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
 * connection is an unavailable instance; bytes that are not HTTP are a bad
 * answer. A request the gateway itself could
 * not build or send is no failure of the upstream: that error is returned as
 * it is, so no breaker or instance is blamed and the client gets a 500.
 */
export function classifyTransportError(
  service: ServiceName,
  error: unknown,
  context: { deadlinePassed: boolean; abortedByCaller: boolean },
): UpstreamError | Error {
  if (context.deadlinePassed) {
    return new UpstreamTimeoutError(service, { cause: error });
  }
  if (context.abortedByCaller || isCancel(error)) {
    return new UpstreamUnavailableError(service, { cause: error, cancelled: true });
  }
  const code = isAxiosError(error) ? error.code : (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || GATEWAY_FAULT_CODES.has(code)) {
    return error instanceof Error ? error : new Error('the upstream call failed in the gateway');
  }
  if (TIMEOUT_CODES.has(code)) {
    return new UpstreamTimeoutError(service, { cause: error });
  }
  if (isOversized(code, error)) {
    return new UpstreamBadResponseError(service, { cause: error, tooLarge: true });
  }
  if (code.startsWith('HPE_')) {
    // Bytes that are not an HTTP answer: a bad answer (502), and, since undici drops the connection, one another instance may be asked for.
    return new UpstreamBadResponseError(service, { cause: error, connection: true });
  }
  return new UpstreamUnavailableError(service, {
    cause: error,
    connection: true,
    unsent: code === 'ECONNREFUSED',
  });
}
