import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  AlwaysOnSampler,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { samplerFor } from './sampler.js';
import {
  endRequestSpan,
  endSectionSpan,
  endUpstreamSpan,
  requestSpanName,
  splitInstance,
  startRequestSpan,
  startSectionSpan,
  startUpstreamSpan,
  traceContextOf,
  traceparentOf,
} from './spans.js';
import { traceContextFor } from './trace-context.js';

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const PROFILE = { method: 'GET', route: '/mobile/profile', path: '/mobile/profile', requestId: 'req-1' };

/** A real SDK provider whose spans land in memory the moment they end. */
function recorder() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const finished = (): ReadableSpan[] => exporter.getFinishedSpans();
  return { tracer: provider.getTracer('spec'), finished };
}

describe(startRequestSpan.name, () => {
  it("continues the caller's trace under the caller's span", () => {
    const { tracer, finished } = recorder();
    const caller = traceContextFor(`00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, 'req-1');
    const request = startRequestSpan(tracer, PROFILE, caller);
    endRequestSpan(request, 200);

    const [span] = finished();
    expect(span.name).toBe('GET /mobile/profile');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(CLIENT_TRACE);
    expect(span.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/mobile/profile',
      'url.path': '/mobile/profile',
      'bff.request.id': 'req-1',
      'http.response.status_code': 200,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('starts a new trace when the caller sent none, and the request context then names it', () => {
    const { tracer, finished } = recorder();
    const caller = traceContextFor(undefined, 'req-2');
    const request = startRequestSpan(tracer, PROFILE, caller);
    const context = traceContextOf(request, caller);
    endRequestSpan(request, 200);

    const [span] = finished();
    expect(span.parentSpanContext).toBeUndefined();
    expect(context).toEqual({
      traceId: span.spanContext().traceId,
      parentSpanId: undefined,
      spanId: span.spanContext().spanId,
      sampled: true,
    });
  });

  it('records nothing for a caller that chose not to sample, yet still hands upstreams a span id', () => {
    const { tracer, finished } = recorder();
    const caller = traceContextFor(`00-${CLIENT_TRACE}-${CLIENT_SPAN}-00`, 'req-3');
    const request = startRequestSpan(tracer, PROFILE, caller);
    const context = traceContextOf(request, caller);
    endRequestSpan(request, 200);

    expect(finished()).toEqual([]);
    expect(context.traceId).toBe(CLIENT_TRACE);
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.sampled).toBe(false);
  });

  it('marks a 5xx answer as an error and leaves a 4xx unset, as the caller caused it', () => {
    const { tracer, finished } = recorder();
    const caller = traceContextFor(undefined, 'req-4');
    endRequestSpan(startRequestSpan(tracer, PROFILE, caller), 503);
    endRequestSpan(startRequestSpan(tracer, PROFILE, caller), 404);

    const [failed, refused] = finished();
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['error.type']).toBe('503');
    expect(refused.status.code).toBe(SpanStatusCode.UNSET);
    expect(refused.attributes['http.response.status_code']).toBe(404);
  });

  it('ends a request abandoned by its client once, even if an answer follows', () => {
    const { tracer, finished } = recorder();
    const request = startRequestSpan(tracer, PROFILE, traceContextFor(undefined, 'req-5'));
    endRequestSpan(request, undefined);
    endRequestSpan(request, 200);

    expect(finished()).toHaveLength(1);
    expect(finished()[0].attributes['error.type']).toBe('client_closed');
    expect(finished()[0].attributes['http.response.status_code']).toBeUndefined();
  });

  it('names a request that matched no route by its method alone', () => {
    expect(requestSpanName('GET', undefined)).toBe('GET');
    expect(requestSpanName('PATCH', '/web/preferences')).toBe('PATCH /web/preferences');
  });
});

describe(startSectionSpan.name, () => {
  it('puts each section under the request and tells how it ended', () => {
    const { tracer, finished } = recorder();
    const request = startRequestSpan(tracer, PROFILE, traceContextFor(undefined, 'req-6'));
    endSectionSpan(startSectionSpan(request, 'user', true), 'ok');
    endSectionSpan(startSectionSpan(request, 'recentOrders', false), 'timeout');
    endSectionSpan(startSectionSpan(request, 'preferences', false), 'stale');
    endSectionSpan(startSectionSpan(request, 'extra', false), 'cancelled');

    const spans = finished();
    expect(spans.map((span) => span.name)).toEqual([
      'section user',
      'section recentOrders',
      'section preferences',
      'section extra',
    ]);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.INTERNAL);
      expect(span.parentSpanContext?.spanId).toBe(request.span.spanContext().spanId);
    }
    expect(spans.map((span) => span.attributes['bff.section.outcome'])).toEqual([
      'ok',
      'timeout',
      'stale',
      'cancelled',
    ]);
    expect(spans.map((span) => span.status.code)).toEqual([
      SpanStatusCode.UNSET,
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
      SpanStatusCode.UNSET,
    ]);
  });
});

describe(startUpstreamSpan.name, () => {
  it('sends the upstream the attempt span as its parent', () => {
    const { tracer, finished } = recorder();
    const request = startRequestSpan(tracer, PROFILE, traceContextFor(undefined, 'req-7'));
    const section = startSectionSpan(request, 'user', true);
    const attempt = startUpstreamSpan(section, {
      service: 'user',
      method: 'GET',
      instance: '127.0.0.1:4001',
    });
    const traceparent = traceparentOf(attempt);
    endUpstreamSpan(attempt, 200, 'ok');

    const [span] = finished();
    expect(traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    expect(span.name).toBe('GET user');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.parentSpanContext?.spanId).toBe(section.span.spanContext().spanId);
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'server.service.name': 'user',
      'server.address': '127.0.0.1',
      'server.port': 4001,
      'http.response.status_code': 200,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a failed attempt as an error with its kind, but not one abandoned for the caller', () => {
    const { tracer, finished } = recorder();
    const request = startRequestSpan(tracer, PROFILE, traceContextFor(undefined, 'req-8'));
    const attempt = () =>
      startUpstreamSpan(request, { service: 'order', method: 'GET', instance: 'orders:80' });
    endUpstreamSpan(attempt(), 503, 'unavailable');
    endUpstreamSpan(attempt(), undefined, 'timeout');
    endUpstreamSpan(attempt(), undefined, 'cancelled');

    const [unavailable, timedOut, cancelled] = finished();
    expect(unavailable.status.code).toBe(SpanStatusCode.ERROR);
    expect(unavailable.attributes).toMatchObject({
      'error.type': 'unavailable',
      'http.response.status_code': 503,
    });
    expect(timedOut.status.code).toBe(SpanStatusCode.ERROR);
    expect(timedOut.attributes['http.response.status_code']).toBeUndefined();
    expect(cancelled.status.code).toBe(SpanStatusCode.UNSET);
    expect(cancelled.attributes['error.type']).toBe('cancelled');
  });
});

describe(splitInstance.name, () => {
  it('splits host and port, IPv6 hosts included', () => {
    expect(splitInstance('orders-1:8080')).toEqual({ address: 'orders-1', port: 8080 });
    expect(splitInstance('[::1]:4002')).toEqual({ address: '[::1]', port: 4002 });
    expect(splitInstance('orders-1')).toEqual({ address: 'orders-1', port: undefined });
  });
});

describe(samplerFor.name, () => {
  it('builds the sampler each OTEL_TRACES_SAMPLER value names', () => {
    expect(String(samplerFor('always_on', 1))).toBe('AlwaysOnSampler');
    expect(String(samplerFor('always_off', 1))).toBe('AlwaysOffSampler');
    expect(String(samplerFor('traceidratio', 0.25))).toBe('TraceIdRatioBased{0.25}');
    expect(String(samplerFor('parentbased_always_on', 1))).toMatch(/^ParentBased\{root=AlwaysOnSampler,/);
    expect(String(samplerFor('parentbased_always_off', 1))).toMatch(/^ParentBased\{root=AlwaysOffSampler,/);
    expect(String(samplerFor('parentbased_traceidratio', 0.5))).toMatch(
      /^ParentBased\{root=TraceIdRatioBased\{0.5\},/,
    );
  });
});
