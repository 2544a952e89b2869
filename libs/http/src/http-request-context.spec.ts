import { HttpRequestContext } from './http-request-context.js';

const REQUEST_ID = '3a5eb104-b02c-412a-9696-e33a013b0c53';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe(HttpRequestContext.name, () => {
  it("continues the caller's trace when it sent a traceparent", () => {
    const context = new HttpRequestContext(REQUEST_ID, TRACEPARENT, 0, false, '/mobile/profile');

    expect(context.trace).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
      sampled: true,
    });
  });

  it('starts a trace named after the request id otherwise, and keeps it: every upstream call joins the same one', () => {
    const context = new HttpRequestContext(REQUEST_ID, undefined, 0, false, '/mobile/profile');

    const first = context.trace;
    expect(first.traceId).toBe('3a5eb104b02c412a9696e33a013b0c53');
    expect(context.trace).toBe(first);
  });

  it('carries the trace the request span set in place of its own', () => {
    const context = new HttpRequestContext(REQUEST_ID, TRACEPARENT, 0, false, undefined);
    const spanTrace = {
      traceId: 'a'.repeat(32),
      parentSpanId: undefined,
      spanId: 'b'.repeat(16),
      sampled: true,
    };

    context.trace = spanTrace;

    expect(context.trace).toBe(spanTrace);
  });
});
