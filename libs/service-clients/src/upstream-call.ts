import type { CancelSignal } from '@app/cancellation';
import type { RequestContext, TraceSpan } from '@app/observability';
import type { ExpectedAnswer } from './expected-answer.js';

/**
 * The whole client pipeline is two types: a call, and a wrapper that takes a
 * call and returns one (bulkhead, breaker, retry, hedge each wrap the one
 * before). Every wrapper sees the same request and the same typed errors.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Per-call options every typed client method accepts; an aggregate section's scope fits it as is. */
export interface CallOptions {
  /** Aborts the call: the request deadline passed, or the client went away. */
  signal?: CancelSignal;
  /** `performance.now()` by which the whole request must have answered. */
  deadlineAt?: number;
  /** Told the age of the data when the answer comes from the cache past its freshness. */
  onStale?: (ageMs: number) => void;
  /** The span the call's attempts are children of (a section's), when tracing is on; else the request's, if any. */
  span?: TraceSpan;
  /** The request the call is made for: its id goes upstream, its access log line lists the attempts. */
  context?: RequestContext;
}

export interface UpstreamRequest extends CallOptions {
  method: HttpMethod;
  /** Path with every parameter already encoded. */
  path: string;
  /** A list is the field repeated, once per value. */
  query?: Record<string, string | number | undefined | readonly string[]>;
  body?: unknown;
  /** Extra headers for the upstream (a pass-through call's X-Forwarded-*); they never replace the gateway's own. */
  headers?: Record<string, string>;
  /** Makes a write safe to retry: the upstream applies it at most once. */
  idempotencyKey?: string;
  /** How to read the answer: the contract's schema and what a 404 means. */
  expect: ExpectedAnswer<unknown>;
  /** Instances to stay away from if any other is available: the ones a retry or hedge already tried. */
  avoid?: ReadonlySet<string>;
  /** Caches the answer of a GET under this key, as data of this owner (a user id) when it has one. */
  cache?: { key: string; owner?: string };
  /** Told which instance the attempt went to, so a hedge can send its second attempt elsewhere. */
  onPick?: (instanceId: string) => void;
  /** Set by the attempt when tracing is on: its own span's traceparent, which the upstream continues. */
  traceparent?: string;
  /**
   * The call is one caller's, relayed (a pass-through): the upstream's 429
   * is taken to speak for that caller alone, and pauses nobody else's calls.
   */
  forOneCaller?: true;
}

export interface UpstreamResponse {
  status: number;
  /** The parsed JSON body of a 2xx answer, or undefined when it was empty; nothing for any other status. */
  body: unknown;
  /** The upstream's `Retry-After`, on an answer that asks the caller to wait (429, 503). */
  retryAfter?: string;
}

/** Resolves to the answer read with `request.expect`, or rejects with an UpstreamError. */
export type UpstreamCall = (request: UpstreamRequest) => Promise<unknown>;

export type UpstreamWrapper = (next: UpstreamCall) => UpstreamCall;

/** GETs are safe to repeat; writes only when they carry an idempotency key. */
export function isIdempotent(request: UpstreamRequest): boolean {
  return request.method === 'GET' || request.idempotencyKey !== undefined;
}
