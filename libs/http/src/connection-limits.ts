import type { HttpConfig } from '@app/config';
import type { ServerOptions } from 'node:http';

/** Node's own default, and more than often enough for timeouts counted in seconds. */
const MAX_CHECKING_INTERVAL_MS = 1_000;

/**
 * Node looks for requests past their headers or request timeout on a timer
 * (every 30 s by default), so a slow client is cut up to that long after
 * its deadline. A quarter of the headers timeout, at most a second, keeps
 * the overshoot small against the timeout without a busy timer.
 */
export function connectionsCheckingIntervalMs(headersTimeoutMs: number): number {
  return Math.max(10, Math.min(MAX_CHECKING_INTERVAL_MS, Math.floor(headersTimeoutMs / 4)));
}

/**
 * What Node's HTTP server needs to bound one connection: headers and whole
 * request timeouts against slow clients, and the header size limit. The
 * same options serve `http.createServer` and `https.createServer`; Fastify
 * sets the keep-alive timeout itself.
 */
export function connectionLimits(http: HttpConfig): ServerOptions {
  return {
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    connectionsCheckingInterval: connectionsCheckingIntervalMs(http.headersTimeoutMs),
    maxHeaderSize: http.maxHeaderBytes,
    // The gateway refuses a request without Host itself, as a problem (header-fields.ts); Node's refusal has no body.
    requireHostHeader: false,
  };
}
