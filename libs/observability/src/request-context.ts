import { AsyncLocalStorage } from 'node:async_hooks';
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
 * Node's AsyncLocalStorage directly rather than nestjs-cls or
 * @fastify/request-context: the gateway stores one object per request,
 * which these few lines cover.
 */
const storage = new AsyncLocalStorage<RequestContext>();

export function runWithRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
