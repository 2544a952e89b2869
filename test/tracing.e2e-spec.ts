import { FakeCollector, OTLP_KIND, OTLP_STATUS, type CollectedSpan } from './support/fake-collector.js';
import { FakeUpstream } from './support/fake-upstream.js';
import {
  demoOrderPageAnswer,
  demoUserAnswer,
  expectedProfile,
  readProfile,
} from './support/mobile-profile.fixture.js';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Exports leave in batches this often, so a suite waits milliseconds, not the default 5 s. */
const FAST_BATCHES = { OTEL_BSP_SCHEDULE_DELAY: '20' };

/** The span id a traceparent names: the span the upstream's own work hangs under. */
function spanIdIn(traceparent: unknown): string {
  const match = TRACEPARENT.exec(String(traceparent));
  if (match === null) {
    throw new Error('not a traceparent');
  }
  return match[2];
}

const profile = (stack: Stack, sub: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${stack.mobileUrl}/mobile/profile`, { headers: { ...bearer(sub), ...headers } });

/** A trace is complete once its request span arrives: every section and attempt ended before the answer did. */
function requestSpanOf(spans: CollectedSpan[], requestId: string): CollectedSpan | undefined {
  return spans.find(
    (span) => span.kind === OTLP_KIND.server && span.attributes['bff.request.id'] === requestId,
  );
}

/** The request span and every span under it: one request's part of a trace that a client may reuse. */
function treeOf(spans: CollectedSpan[], request: CollectedSpan): CollectedSpan[] {
  const tree = [request];
  for (let added = true; added;) {
    const ids = new Set(tree.map((span) => span.spanId));
    const children = spans.filter(
      (span) => span.traceId === request.traceId && ids.has(span.parentSpanId ?? '') && !tree.includes(span),
    );
    tree.push(...children);
    added = children.length > 0;
  }
  return tree;
}

async function traceOf(collector: FakeCollector, response: Response) {
  const requestId = response.headers.get('x-request-id') ?? '';
  const spans = await collector.waitFor((all) => requestSpanOf(all, requestId) !== undefined);
  const request = requestSpanOf(spans, requestId) as CollectedSpan;
  const inTrace = treeOf(spans, request);
  const sections = inTrace.filter((span) => span.kind === OTLP_KIND.internal);
  const section = (name: string): CollectedSpan => {
    const found = sections.find((span) => span.name === `section ${name}`);
    if (found === undefined) {
      throw new Error(`no span for section ${name}`);
    }
    return found;
  };
  const attempts = (service: string): CollectedSpan[] =>
    inTrace.filter(
      (span) => span.kind === OTLP_KIND.client && span.attributes['server.service.name'] === service,
    );
  return { request, inTrace, sections, section, attempts };
}

describe('traces of a request, sent to an OpenTelemetry collector', () => {
  let collector: FakeCollector;
  let users: FakeUpstream;
  let orders: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    collector = await FakeCollector.start();
    users = await FakeUpstream.start();
    orders = await FakeUpstream.start();
    stack = await startStack({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      ...FAST_BATCHES,
      USER_SERVICE_URL: users.url,
      ORDER_SERVICE_URL: orders.url,
    });
  });
  afterAll(async () => {
    await stack.close();
    await collector.close();
    await users.close();
    await orders.close();
  });
  beforeEach(() => {
    users.received.length = 0;
    orders.received.length = 0;
    users.respond(demoUserAnswer);
    orders.respond(demoOrderPageAnswer);
  });

  it("passes the client's tracestate upstream with its trace while tracing is on", async () => {
    const response = await profile(stack, 'u1', {
      traceparent: CLIENT_TRACEPARENT,
      tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    });
    expect(response.status).toBe(200);
    expect(users.received[0].headers.traceparent).toMatch(new RegExp(`^00-${CLIENT_TRACE}-`));
    expect(users.received[0].headers.tracestate).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  });

  it("continues the client's trace through the request, each section and each upstream call", async () => {
    const response = await profile(stack, 'u1', { traceparent: CLIENT_TRACEPARENT });
    expect(response.status).toBe(200);
    const trace = await traceOf(collector, response);

    expect(trace.request).toMatchObject({
      service: 'mobile-bff',
      traceId: CLIENT_TRACE,
      parentSpanId: CLIENT_SPAN,
      name: 'GET /mobile/profile',
      status: OTLP_STATUS.unset,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/mobile/profile',
        'url.path': '/mobile/profile',
        'http.response.status_code': 200,
      },
    });
    expect(trace.sections.map((span) => span.name).sort()).toEqual([
      'section preferences',
      'section recentOrders',
      'section user',
    ]);
    for (const section of trace.sections) {
      expect(section.parentSpanId).toBe(trace.request.spanId);
      expect(section.attributes['bff.section.outcome']).toBe('ok');
    }
    const [userCall] = trace.attempts('user');
    const [orderCall] = trace.attempts('order');
    const [preferenceCall] = trace.attempts('preference');
    expect(userCall.parentSpanId).toBe(trace.section('user').spanId);
    expect(orderCall.parentSpanId).toBe(trace.section('recentOrders').spanId);
    expect(preferenceCall.parentSpanId).toBe(trace.section('preferences').spanId);
    expect(userCall.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
    });
    expect(trace.inTrace).toHaveLength(7);

    // Each upstream continues the trace under the very span that recorded the call to it.
    expect(users.received[0].headers.traceparent).toBe(`00-${CLIENT_TRACE}-${userCall.spanId}-01`);
    expect(orders.received[0].headers.traceparent).toBe(`00-${CLIENT_TRACE}-${orderCall.spanId}-01`);
  });

  it('starts a new trace for a client that sent no traceparent, and upstreams join it', async () => {
    const response = await profile(stack, 'u1');
    expect(response.status).toBe(200);
    const trace = await traceOf(collector, response);

    expect(trace.request.parentSpanId).toBeUndefined();
    expect(trace.request.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.request.traceId).not.toBe(CLIENT_TRACE);
    expect(trace.sections).toHaveLength(3);
    const [userCall] = trace.attempts('user');
    expect(users.received[0].headers.traceparent).toBe(`00-${trace.request.traceId}-${userCall.spanId}-01`);
  });

  it('records each attempt on a failing upstream as its own failed span, retries included', async () => {
    orders.respond(() => ({ kind: 'reset' }));
    const response = await profile(stack, 'u1', { traceparent: CLIENT_TRACEPARENT });
    expect(await readProfile(response)).toEqual(expectedProfile('u1', { recentOrders: 'error' }));
    const trace = await traceOf(collector, response);

    const section = trace.section('recentOrders');
    expect(section.status).toBe(OTLP_STATUS.error);
    expect(section.attributes['bff.section.outcome']).toBe('error');
    const attempts = trace.attempts('order');
    // The first try and two retries, each sent, each a span of its own under the section.
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) {
      expect(attempt.parentSpanId).toBe(section.spanId);
      expect(attempt.status).toBe(OTLP_STATUS.error);
      expect(attempt.attributes['error.type']).toBe('unavailable');
    }
    expect(orders.received.map((request) => spanIdIn(request.headers.traceparent)).sort()).toEqual(
      attempts.map((attempt) => attempt.spanId).sort(),
    );
    // The answer still came, complete but for the orders: the request itself did not fail.
    expect(trace.request.status).toBe(OTLP_STATUS.unset);
  });

  it('marks the request as failed when a required section fails it', async () => {
    users.respond(() => ({ kind: 'json', status: 500, body: { error: 'boom' } }));
    const response = await profile(stack, 'u1');
    await expectProblem(response, 502);
    const trace = await traceOf(collector, response);

    expect(trace.request.status).toBe(OTLP_STATUS.error);
    expect(trace.request.attributes['http.response.status_code']).toBe(502);
    expect(trace.section('user').status).toBe(OTLP_STATUS.error);
    expect(trace.attempts('user')[0]).toMatchObject({
      status: OTLP_STATUS.error,
      attributes: { 'http.response.status_code': 500 },
    });
  });

  it('names the web BFF as its own service', async () => {
    const response = await fetch(`${stack.webUrl}/web/dashboard`, { headers: bearer('u1') });
    expect(response.status).toBe(200);
    const trace = await traceOf(collector, response);

    expect(trace.request).toMatchObject({ service: 'web-bff', name: 'GET /web/dashboard' });
    expect(new Set(trace.inTrace.map((span) => span.service))).toEqual(new Set(['web-bff']));
    expect(collector.contentTypes.every((type) => type === 'application/json')).toBe(true);
  });
});

describe('traces with the upstream answers cached', () => {
  let collector: FakeCollector;
  let stack: Stack;

  beforeAll(async () => {
    collector = await FakeCollector.start();
    // Resources cached, whole answers not: the second profile runs every section from the cache.
    stack = await startStack({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      ...FAST_BATCHES,
      CACHE_ENABLED: 'true',
      CACHE_RESPONSE_TTL_S: '0',
    });
  });
  afterAll(async () => {
    await stack.close();
    await collector.close();
  });

  it('records no upstream call for a section served from the cache', async () => {
    const first = await traceOf(collector, await profile(stack, 'u2'));
    const second = await traceOf(collector, await profile(stack, 'u2'));

    expect(first.inTrace.filter((span) => span.kind === OTLP_KIND.client)).toHaveLength(3);
    expect(second.sections).toHaveLength(3);
    expect(second.inTrace.filter((span) => span.kind === OTLP_KIND.client)).toEqual([]);
  });
});

describe('tracing off, the default', () => {
  let collector: FakeCollector;
  let users: FakeUpstream;
  let stack: Stack;
  let closed = false;

  beforeAll(async () => {
    collector = await FakeCollector.start();
    users = await FakeUpstream.start();
    users.respond(demoUserAnswer);
    // A collector is listening, but nothing names it.
    stack = await startStack({ ...FAST_BATCHES, USER_SERVICE_URL: users.url });
  });
  afterAll(async () => {
    if (!closed) {
      await stack.close();
    }
    await collector.close();
    await users.close();
  });

  it('sends nothing anywhere, and upstreams still get the trace context as before', async () => {
    const response = await profile(stack, 'u1', {
      traceparent: CLIENT_TRACEPARENT,
      tracestate: 'vendor=abc,other=1',
    });
    expect(await readProfile(response)).toEqual(expectedProfile('u1'));
    // Closing flushes whatever a tracer would have queued.
    await stack.close();
    closed = true;

    expect(collector.spans).toEqual([]);
    expect(collector.contentTypes).toEqual([]);
    expect(users.received[0].headers.traceparent).toMatch(new RegExp(`^00-${CLIENT_TRACE}-[0-9a-f]{16}-01$`));
    expect(spanIdIn(users.received[0].headers.traceparent)).not.toBe(CLIENT_SPAN);
    // The caller's vendors' state goes on with its trace.
    expect(users.received[0].headers.tracestate).toBe('vendor=abc,other=1');
  });
});

describe('a collector that is down or stuck', () => {
  it('costs no answer when nothing listens at the endpoint, and shutdown still completes', async () => {
    const gone = await FakeCollector.start();
    const endpoint = gone.url;
    await gone.close();
    const stack = await startStack({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...FAST_BATCHES });
    try {
      for (const user of ['u1', 'u3']) {
        expect(await readProfile(await profile(stack, user))).toEqual(expectedProfile(user));
      }
    } finally {
      await stack.close();
    }
  });

  it('costs no answer when the collector takes exports and never replies, and shutdown does not wait on it', async () => {
    const stuck = await FakeCollector.start();
    stuck.behaviour = 'hang';
    const stack = await startStack({ OTEL_EXPORTER_OTLP_ENDPOINT: stuck.url, ...FAST_BATCHES });
    try {
      expect(await readProfile(await profile(stack, 'u1'))).toEqual(expectedProfile('u1'));
      await stuck.waitFor((spans) => spans.length > 0);
      expect(await readProfile(await profile(stack, 'u1'))).toEqual(expectedProfile('u1'));
    } finally {
      // The flush on close gives up on the stuck export instead of waiting out its 10 s timeout.
      await stack.close();
      await stuck.close();
    }
  });
});

describe('traces of requests a client left, and of probes', () => {
  let collector: FakeCollector;
  let stack: Stack;

  beforeAll(async () => {
    collector = await FakeCollector.start();
    stack = await startStack({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, ...FAST_BATCHES });
  });
  afterAll(async () => {
    await stack.close();
    await collector.close();
  });

  it('sends the span of a write whose client hung up after sending it', async () => {
    stack.demo.faults.preference.set({ latencyMs: 500 });
    try {
      const leaving = new AbortController();
      const sent = fetch(`${stack.webUrl}/web/preferences`, {
        method: 'PATCH',
        headers: { ...bearer('left-1'), 'content-type': 'application/json', 'x-request-id': 'left-write-1' },
        body: JSON.stringify({ theme: 'dark' }),
        signal: leaving.signal,
      });
      setTimeout(() => leaving.abort(), 150);
      await expect(sent).rejects.toThrow();

      const spans = await collector.waitFor((all) => requestSpanOf(all, 'left-write-1') !== undefined);

      expect(requestSpanOf(spans, 'left-write-1')).toMatchObject({ name: 'PATCH /web/preferences' });
    } finally {
      stack.demo.faults.preference.reset();
    }
  });

  it('traces no health probe', async () => {
    expect(
      (await fetch(`${stack.mobileUrl}/health/live`, { headers: { 'x-request-id': 'probe-1' } })).status,
    ).toBe(200);
    const after = await profile(stack, 'u1', { 'x-request-id': 'after-probe-1' });
    expect(after.status).toBe(200);

    const spans = await collector.waitFor((all) => requestSpanOf(all, 'after-probe-1') !== undefined);

    expect(requestSpanOf(spans, 'probe-1')).toBeUndefined();
  });
});
