import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceContext } from './trace-context.js';

/** What every unit may need to know about the request it works for, without threading it through every signature. */
export interface RequestContext {
  requestId: string;
  trace: TraceContext;
  /** `performance.now()` when the request arrived; deadlines count from here. */
  receivedAt: number;
  /** The client sent `Cache-Control: no-cache`: every cached read on its behalf goes to the source again. */
  noCache: boolean;
}

/*
 * Node's AsyncLocalStorage directly rather than nestjs-cls or
 * @fastify/request-context: the gateway stores one immutable object per
 * request and reads it in two places, which these twenty lines cover.
 */
const storage = new AsyncLocalStorage<RequestContext>();

export function runWithRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
