import type { TraceSpan } from './spans.js';
import type { TraceContext } from './trace-context.js';

/** What every unit may need to know about the request it works for, without threading it through every signature. */
export interface RequestContext {
  requestId: string;
  trace: TraceContext;
  /** `performance.now()` when the request arrived; deadlines count from here. */
  receivedAt: number;
  /**
   * `performance.now()` once the body of a request that sent one was in: a
   * write's deadline counts from here instead, since the time a client took
   * to send its body spent nothing of the upstreams'.
   */
  bodyReceivedAt?: number;
  /** The client asked for fresh data ({@link asksForFreshData}): every cached read on its behalf goes to the source again. */
  noCache: boolean;
  /** The route pattern that matched, for the access log. */
  route: string | undefined;
  /** Who is calling (`user:<sub>` or `consumer:<name>`), once authentication has said so; never a credential. */
  callerId?: string;
  /** Every upstream attempt made for this request, for its access log line. */
  upstreamCalls: UpstreamCallRecord[];
  /** This request's span, only when tracing is on: units that find none trace nothing. */
  span?: TraceSpan;
}

export interface UpstreamCallRecord {
  service: string;
  outcome: string;
  ms: number;
}

/*
 * The context rides on the Fastify request and is handed down explicitly
 * (the deadline, a section's scope, a call's options), not kept in an
 * AsyncLocalStorage: on Node 20 a storage in use installs promise hooks
 * that ran on every promise of every request, 5% of the gateway's CPU in
 * the benchmark's profile, for a value each unit can be given.
 */

/** The context the gateway attached to a request when it arrived; none on a request that never reached it. */
export function requestContextOf(request: object): RequestContext | undefined {
  return (request as { context?: RequestContext }).context;
}

const FRESH_DIRECTIVES = /\bno-cache\b|\bno-store\b|\bmax-age\s*=\s*"?0+"?(?![\w"])/i;

/**
 * Whether a request's cache headers ask for data from the source rather
 * than a stored copy (RFC 9111 §5.2.1): `no-cache`, `no-store`, or
 * `max-age=0`, which browsers send on a reload and for a fetch() in
 * no-cache mode; or `Pragma: no-cache` from a client that sends no
 * Cache-Control (§5.4). A `max-age` above 0 is not read: no stored answer
 * is kept longer than a client could mean to refuse, bar sections kept
 * for minutes, which this would have to age one by one.
 */
export function asksForFreshData(cacheControl: string | undefined, pragma: string | undefined): boolean {
  if (cacheControl !== undefined) {
    return FRESH_DIRECTIVES.test(cacheControl);
  }
  return pragma !== undefined && /\bno-cache\b/i.test(pragma);
}

/** Whether a request's `Cache-Control` forbids storing its answer (`no-store`, RFC 9111 §5.2.1.5). */
export function forbidsStoring(cacheControl: string | undefined): boolean {
  return cacheControl !== undefined && /\bno-store\b/i.test(cacheControl);
}
