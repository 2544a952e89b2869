import type { TraceSpan } from './spans.js';
import type { TraceContext } from './trace-context.js';

/** What every unit may need to know about the request it works for, without threading it through every signature. */
export interface RequestContext {
  requestId: string;
  trace: TraceContext;
  /** `performance.now()` when the request arrived; deadlines count from here. */
  receivedAt: number;
  /** The client sent `Cache-Control: no-cache`: every cached read on its behalf goes to the source again. */
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
