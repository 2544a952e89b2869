export { currentRequestContext, runWithRequestContext, type RequestContext } from './request-context.js';
export { formatTraceparent, newSpanId, traceContextFor, type TraceContext } from './trace-context.js';
