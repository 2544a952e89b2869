import { startRequestSpan, traceContextFor, type TraceSpan } from '@app/observability';
import { ProblemError } from '@app/problem';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { aggregate } from './aggregate.js';
import { Deadline } from './deadline.js';
import { optional, required } from './section.js';
import { SectionSpans } from './section-spans.js';

/** A real SDK tracer whose spans land in memory as they end, and a request span to hang sections under. */
function tracedRequest() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const request = startRequestSpan(
    provider.getTracer('spec'),
    { method: 'GET', route: '/mobile/profile', path: '/mobile/profile', requestId: 'req-1' },
    traceContextFor(undefined, 'req-1'),
  );
  const outcomes = (): Record<string, unknown> =>
    Object.fromEntries(
      exporter
        .getFinishedSpans()
        .map((span) => [span.attributes['bff.section.name'], span.attributes['bff.section.outcome']]),
    );
  return { request, exporter, outcomes };
}

const never = (): Promise<never> => new Promise(() => undefined);

describe(SectionSpans.name, () => {
  it("hands each loader its own section's span, a child of the request's", async () => {
    const { request, exporter } = tracedRequest();
    const seen: (TraceSpan | undefined)[] = [];
    await aggregate(new Deadline(performance.now() + 1000, undefined, request), {
      user: required(async (scope) => {
        seen.push(scope.span);
        return 'ann';
      }),
      orders: optional(async (scope) => {
        seen.push(scope.span);
        return [];
      }, []),
    });

    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name).sort()).toEqual(['section orders', 'section user']);
    for (const span of spans) {
      expect(span.parentSpanContext?.spanId).toBe(request.span.spanContext().spanId);
    }
    expect(new Set(seen.map((section) => section?.span.spanContext().spanId))).toEqual(
      new Set(spans.map((span) => span.spanContext().spanId)),
    );
  });

  it('ends every section span with the status the answer reports for it', async () => {
    const { request, outcomes } = tracedRequest();
    await aggregate(new Deadline(performance.now() + 60, undefined, request), {
      user: required(async () => 'ann'),
      orders: optional(() => Promise.reject(new ProblemError('service-unavailable', 'down')), []),
      preferences: optional(async (scope) => {
        scope.onStale(5_000);
        return {};
      }, null),
      stats: optional(never, null),
    });

    expect(outcomes()).toEqual({ user: 'ok', orders: 'error', preferences: 'stale', stats: 'timeout' });
  });

  it('ends the sections still running as cancelled when a required one fails the request', async () => {
    const { request, outcomes } = tracedRequest();
    await expect(
      aggregate(new Deadline(performance.now() + 5_000, undefined, request), {
        user: required(() => Promise.reject(new ProblemError('not-found', 'no such user'))),
        orders: optional(never, []),
      }),
    ).rejects.toBeInstanceOf(ProblemError);

    expect(outcomes()).toEqual({ user: 'error', orders: 'cancelled' });
  });

  it('gives loaders no span when the request is not traced', async () => {
    let span: TraceSpan | undefined = tracedRequest().request;
    await aggregate(Deadline.after(1000), {
      user: required(async (scope) => {
        span = scope.span;
        return 'ann';
      }),
    });
    expect(span).toBeUndefined();
  });
});
