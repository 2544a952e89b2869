import { formatTraceparent, newSpanId, traceContextFor } from './trace-context.js';

describe(traceContextFor.name, () => {
  it("continues the caller's trace from a valid traceparent", () => {
    const context = traceContextFor('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'req-1');
    expect(context.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(context.parentSpanId).toBe('b7ad6b7169203331');
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.sampled).toBe(true);
  });

  it("keeps the caller's tracestate with a continued trace, and drops it with one started here", () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(traceContextFor(traceparent, 'r', 'vendor=abc').state).toBe('vendor=abc');
    expect(traceContextFor('garbage', 'r', 'vendor=abc').state).toBeUndefined();
    expect(traceContextFor(traceparent, 'r', `v=${'x'.repeat(600)}`).state).toBeUndefined();
  });

  it('starts a trace named after a UUID request id when no traceparent came', () => {
    const context = traceContextFor(undefined, '3f2504e0-4f89-41d3-9a0c-0305e82c3301');
    expect(context.traceId).toBe('3f2504e04f8941d39a0c0305e82c3301');
    expect(context.parentSpanId).toBeUndefined();
  });

  it('never names a trace all zeros after a nil UUID request id', () => {
    const context = traceContextFor(undefined, '00000000-0000-0000-0000-000000000000');
    expect(context.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(context.traceId).not.toMatch(/^0+$/);
  });

  it('continues the trace of a later version, read as version 00', () => {
    const context = traceContextFor(
      '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-comes-next',
      'r',
    );
    expect(context.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(context.parentSpanId).toBe('b7ad6b7169203331');
  });

  it('ignores malformed, all-zero, uppercase, version ff and overlong version 00 traceparents', () => {
    for (const header of [
      'garbage',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '01-abc-def-01',
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
    ]) {
      const context = traceContextFor(header, 'custom-id');
      expect(context.parentSpanId).toBeUndefined();
      expect(context.traceId).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});

describe(formatTraceparent.name, () => {
  it('writes a version-00 traceparent upstreams can parse', () => {
    const header = formatTraceparent({
      traceId: 'a'.repeat(32),
      parentSpanId: undefined,
      spanId: 'b'.repeat(16),
      sampled: false,
    });
    expect(header).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`);
  });
});

describe(newSpanId.name, () => {
  it('gives each upstream call its own valid, non-zero span id', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSpanId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{16}$/);
      expect(id).not.toMatch(/^0+$/);
    }
  });
});
