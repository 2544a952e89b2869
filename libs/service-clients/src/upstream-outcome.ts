import type { UpstreamOutcome } from '@app/observability';
import {
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamTimeoutError,
  type UpstreamError,
} from './upstream.error.js';

/**
 * How an attempt ended, for `upstream_request_duration_seconds`. Cancelled and
 * failed-fast come first: an attempt abandoned for the caller, or never sent
 * for lack of time, says nothing about the upstream whatever its error type.
 */
export function upstreamOutcome(error: UpstreamError | undefined): UpstreamOutcome {
  if (error === undefined) {
    return 'ok';
  }
  if (error.cancelled) {
    return 'cancelled';
  }
  if (error.failedFast) {
    return 'failed_fast';
  }
  if (error instanceof UpstreamNotFoundError) {
    return 'not_found';
  }
  if (error instanceof UpstreamTimeoutError) {
    return 'timeout';
  }
  if (error instanceof UpstreamBadResponseError) {
    return 'bad_response';
  }
  return 'unavailable';
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** An instance URL's `host:port`, the default port spelt out; never its user info or path. */
export function instanceLabel(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port === '' ? (DEFAULT_PORTS[parsed.protocol] ?? '') : parsed.port}`;
}
