import {
  traceContextFor,
  type RequestContext,
  type TraceContext,
  type TraceSpan,
  type UpstreamCallRecord,
} from '@app/observability';

/**
 * The context of a request as the gateway builds it when the request
 * arrives. Its trace is worked out the first time something asks for it (an
 * upstream call's traceparent, the request's span): an answer served from
 * the cache never does, and parsing or starting a trace was about 2% of a
 * cache hit's CPU profile (bench/RESULTS.md).
 */
export class HttpRequestContext implements RequestContext {
  callerId?: string;
  bodyReceivedAt?: number;
  upstreamCalls: UpstreamCallRecord[] = [];
  span?: TraceSpan;
  private knownTrace: TraceContext | undefined;

  constructor(
    readonly requestId: string,
    /** The caller's `traceparent` header, if it sent one. */
    private readonly traceparent: string | undefined,
    readonly receivedAt: number,
    readonly noCache: boolean,
    readonly route: string | undefined,
    /** The caller's `tracestate` header, passed on with its trace. */
    private readonly tracestate?: string,
  ) {}

  get trace(): TraceContext {
    this.knownTrace ??= traceContextFor(this.traceparent, this.requestId, this.tracestate);
    return this.knownTrace;
  }

  set trace(trace: TraceContext) {
    this.knownTrace = trace;
  }

  /** Written out (a route that answers with its request's context), it shows the trace itself, not the header it comes from. */
  toJSON(): RequestContext {
    const { requestId, trace, receivedAt, noCache, route, callerId, upstreamCalls, span } = this;
    return { requestId, trace, receivedAt, noCache, route, callerId, upstreamCalls, span };
  }
}
