/**
 * The whole client pipeline is two types: a call, and a wrapper that takes a
 * call and returns one (timeout, retry, breaker, cache each wrap the one
 * before). Every wrapper sees the same request and answer shapes.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Per-call options every typed client method accepts; an aggregate section's scope fits it as is. */
export interface CallOptions {
  /** Aborts the call: the request deadline passed, or the client went away. */
  signal?: AbortSignal;
  /** `performance.now()` by which the whole request must have answered. */
  deadlineAt?: number;
}

export interface UpstreamRequest extends CallOptions {
  method: HttpMethod;
  /** Path with every parameter already encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  idempotencyKey?: string;
}

export interface UpstreamResponse {
  status: number;
  /** The parsed JSON body, or undefined when the body was empty. */
  body: unknown;
}

export type UpstreamCall = (request: UpstreamRequest) => Promise<UpstreamResponse>;

export type UpstreamWrapper = (next: UpstreamCall) => UpstreamCall;
