import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { AggregateSectionStatus, UpstreamOutcome } from './metrics.js';
import { formatTraceparent, type TraceContext } from './trace-context.js';

/*
 * The gateway's three kinds of span: one SERVER span per request, one
 * INTERNAL span per aggregate section, one CLIENT span per upstream attempt.
 * Parents are passed explicitly (trace.setSpan on ROOT_CONTEXT) rather than
 * through OpenTelemetry's context manager: the request context already
 * travels in our own AsyncLocalStorage, and a second one would cost a
 * context switch per span.
 */

/** Still incubating in the conventions, so spelt here rather than imported from their unstable entry point. */
const ATTR_SERVER_SERVICE_NAME = 'server.service.name';
/** The gateway's own attributes, in a namespace of their own. */
const ATTR_REQUEST_ID = 'bff.request.id';
const ATTR_SECTION_NAME = 'bff.section.name';
const ATTR_SECTION_REQUIRED = 'bff.section.required';
const ATTR_SECTION_OUTCOME = 'bff.section.outcome';

/** A span of this request's trace, with the tracer that makes its children. */
export interface TraceSpan {
  readonly tracer: Tracer;
  readonly span: Span;
}

/** How a section ended: its `meta.sections` status, or `cancelled` when a required sibling failed first. */
export type SectionOutcome = AggregateSectionStatus | 'cancelled';

export interface ArrivingRequest {
  method: string;
  /** The route pattern that matched (`/mobile/orders/:id`), if any. */
  route: string | undefined;
  /** The path without its query, which may hold anything a client typed. */
  path: string;
  requestId: string;
}

export interface UpstreamAttempt {
  service: string;
  method: string;
  /** `host:port` of the instance the attempt goes to. */
  instance: string;
}

function childOf(parent: TraceSpan, name: string, kind: SpanKind, attributes: Attributes): TraceSpan {
  const span = parent.tracer.startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, parent.span));
  return { tracer: parent.tracer, span };
}

/** `GET /mobile/profile`; a request that matched no route is named by its method alone, so scans of random paths mint no span names. */
export function requestSpanName(method: string, route: string | undefined): string {
  return route === undefined || route === '' ? method : `${method} ${route}`;
}

/** The caller's span as the parent, when it sent a valid traceparent; otherwise the request starts a trace. */
function callerContext(caller: TraceContext): Context {
  if (caller.parentSpanId === undefined) {
    return ROOT_CONTEXT;
  }
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: caller.traceId,
    spanId: caller.parentSpanId,
    traceFlags: caller.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

export function startRequestSpan(tracer: Tracer, request: ArrivingRequest, caller: TraceContext): TraceSpan {
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: request.method,
    [ATTR_URL_PATH]: request.path,
    [ATTR_REQUEST_ID]: request.requestId,
  };
  if (request.route !== undefined && request.route !== '') {
    attributes[ATTR_HTTP_ROUTE] = request.route;
  }
  const span = tracer.startSpan(
    requestSpanName(request.method, request.route),
    { kind: SpanKind.SERVER, attributes },
    callerContext(caller),
  );
  return { tracer, span };
}

/**
 * The request's trace context once its span exists: the trace the span
 * belongs to (a new one when the caller sent none) and the span's own id,
 * so logs and upstream calls name what the collector holds.
 */
export function traceContextOf(request: TraceSpan, caller: TraceContext): TraceContext {
  const own = request.span.spanContext();
  return {
    traceId: own.traceId,
    parentSpanId: caller.parentSpanId,
    spanId: own.spanId,
    sampled: (own.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    // The caller's tracestate travels with its trace: upstream, as with tracing off.
    state: own.traceId === caller.traceId ? caller.state : undefined,
  };
}

/**
 * Ends a request span with the status sent, or none when the client went
 * away first. Only a 5xx is an error: a 4xx is the caller's mistake, which
 * the HTTP conventions leave unset on a server span. Ending twice (an abort,
 * then a late answer) records the first.
 */
export function endRequestSpan(request: TraceSpan, statusCode: number | undefined): void {
  const span = request.span;
  if (!span.isRecording()) {
    return;
  }
  if (statusCode === undefined) {
    span.setAttribute(ATTR_ERROR_TYPE, 'client_closed');
  } else {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    if (statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end();
}

export function startSectionSpan(request: TraceSpan, name: string, required: boolean): TraceSpan {
  return childOf(request, `section ${name}`, SpanKind.INTERNAL, {
    [ATTR_SECTION_NAME]: name,
    [ATTR_SECTION_REQUIRED]: required,
  });
}

/** A section that failed or ran out of time is an error; stale data and fallbacks still answered the client. */
export function endSectionSpan(section: TraceSpan, outcome: SectionOutcome): void {
  section.span.setAttribute(ATTR_SECTION_OUTCOME, outcome);
  if (outcome === 'error' || outcome === 'timeout') {
    section.span.setStatus({ code: SpanStatusCode.ERROR });
  }
  section.span.end();
}

/** `host:port` apart; an IPv6 host keeps its brackets, as URLs write it. */
export function splitInstance(instance: string): { address: string; port: number | undefined } {
  const colon = instance.lastIndexOf(':');
  const port = colon === -1 ? Number.NaN : Number(instance.slice(colon + 1));
  return Number.isInteger(port) && port > 0
    ? { address: instance.slice(0, colon), port }
    : { address: instance, port: undefined };
}

export function startUpstreamSpan(parent: TraceSpan, attempt: UpstreamAttempt): TraceSpan {
  const { address, port } = splitInstance(attempt.instance);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: attempt.method,
    [ATTR_SERVER_SERVICE_NAME]: attempt.service,
    [ATTR_SERVER_ADDRESS]: address,
  };
  if (port !== undefined) {
    attributes[ATTR_SERVER_PORT] = port;
  }
  return childOf(parent, `${attempt.method} ${attempt.service}`, SpanKind.CLIENT, attributes);
}

/**
 * Ends an attempt's span with the status the upstream answered, if it did,
 * and how the attempt ended. Every failure is an error, a 404 included (the
 * HTTP conventions count a client span's 4xx as one), except an attempt
 * abandoned for the caller's sake, such as the slower half of a hedge.
 */
export function endUpstreamSpan(
  attempt: TraceSpan,
  statusCode: number | undefined,
  outcome: UpstreamOutcome,
): void {
  const span = attempt.span;
  if (statusCode !== undefined) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
  }
  if (outcome !== 'ok') {
    span.setAttribute(ATTR_ERROR_TYPE, outcome);
    if (outcome !== 'cancelled') {
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end();
}

/** The `traceparent` an attempt sends: the upstream's work becomes a child of the attempt's own span. */
export function traceparentOf(attempt: TraceSpan): string {
  const own = attempt.span.spanContext();
  return formatTraceparent({
    traceId: own.traceId,
    parentSpanId: undefined,
    spanId: own.spanId,
    sampled: (own.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
  });
}
