import { setTimeout as sleep } from 'node:timers/promises';
import { readProfile } from './support/mobile-profile.fixture.js';
import { rawExchange, rawGet } from './support/raw-http.js';
import { scrape, total, type Sample } from './support/metrics.js';
import { PrivateRedis, redisEnv, sharedRedisUrl, untilRedisIsUp } from './support/redis.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

/*
 * What Prometheus reads at each BFF's /metrics, after real calls through the
 * whole stack. Every assertion is on a difference between two scrapes or on
 * a series only this suite's calls could have made, so the tests do not
 * depend on one another's traffic.
 */

const DURATION = 'http_request_duration_seconds_count';
const UPSTREAM = 'upstream_request_duration_seconds_count';
const SECTIONS = 'aggregate_sections_total';

const profile = (stack: Stack, sub: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${stack.mobileUrl}/mobile/profile`, { headers: { ...bearer(sub), ...headers } });

/** The host:port an upstream's attempts are labelled with. */
const instanceOf = (url: string): string => new URL(url).host;

/** Every label value of every sample, to look for what must never be there. */
const labelValues = (samples: readonly Sample[]): string[] =>
  samples.flatMap((sample) => Object.values(sample.labels));

describe('the metrics a BFF exposes', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  afterEach(() => {
    for (const faults of Object.values(stack.demo.faults)) {
      faults.reset();
    }
  });

  it('times a request whose client gave up before the answer, as a 499 of its route', async () => {
    const before = await scrape(stack.mobileUrl);
    stack.demo.faults.user.set({ latencyMs: 1_000 });
    const gaveUp = new AbortController();
    const request = fetch(`${stack.mobileUrl}/mobile/profile`, {
      headers: bearer('m-499'),
      signal: gaveUp.signal,
    }).catch((error: unknown) => error);
    await sleep(200);
    gaveUp.abort();
    await request;
    const labels = { route: '/mobile/profile', method: 'GET', status_code: '499' };
    await vi.waitFor(async () =>
      expect(total(await scrape(stack.mobileUrl), DURATION, labels) - total(before, DURATION, labels)).toBe(
        1,
      ),
    );
  });

  it('answers a scraper without a token in the Prometheus text format, and stays out of the API document', async () => {
    const response = await fetch(`${stack.mobileUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const family of [
      '# TYPE http_request_duration_seconds histogram',
      '# TYPE upstream_request_duration_seconds histogram',
      '# TYPE circuit_breaker_state gauge',
      '# TYPE upstream_calls_refused_total counter',
      '# TYPE cache_events_total counter',
      '# TYPE throttled_requests_total counter',
      '# TYPE aggregate_sections_total counter',
      '# TYPE aggregate_stale_age_seconds histogram',
      '# TYPE nodejs_eventloop_lag_seconds gauge',
      '# TYPE process_resident_memory_bytes gauge',
    ]) {
      expect(text).toContain(family);
    }

    const document = (await (await fetch(`${stack.webUrl}/docs/json`)).json()) as {
      paths: Record<string, unknown>;
    };
    // State in memory alone: there is no Redis to be up or down.
    expect(text).not.toContain('redis_up');

    expect(Object.keys(document.paths)).not.toContain('/metrics');
    expect(Object.keys(document.paths)).toContain('/web/dashboard');
  });

  it('times a profile call under its route and status, and each upstream attempt by service and instance', async () => {
    const before = await scrape(stack.mobileUrl);
    expect((await profile(stack, 'metrics-profile')).status).toBe(200);

    await vi.waitFor(async () => {
      const after = await scrape(stack.mobileUrl);
      const route = { route: '/mobile/profile', method: 'GET', status_code: '200' };
      expect(total(after, DURATION, route) - total(before, DURATION, route)).toBe(1);
    });
    const after = await scrape(stack.mobileUrl);
    for (const service of ['user', 'order', 'preference'] as const) {
      const attempt = { service, upstream_instance: instanceOf(stack.demo.urls[service]), outcome: 'ok' };
      expect(total(after, UPSTREAM, attempt) - total(before, UPSTREAM, attempt)).toBe(1);
    }
    // Prometheus sets instance and job on every series it scrapes: a label of ours by either name is
    // renamed exported_*, or, with honor_labels, takes the place of the pod's.
    expect(after.filter(({ labels }) => 'instance' in labels || 'job' in labels)).toEqual([]);
    for (const section of ['user', 'recentOrders', 'preferences']) {
      const settled = { section, status: 'ok' };
      expect(total(after, SECTIONS, settled) - total(before, SECTIONS, settled)).toBe(1);
    }
  });

  it('counts the requests the router refuses (a URL it cannot decode, a path segment too long) as unmatched', async () => {
    const before = await scrape(stack.mobileUrl);

    expect((await fetch(`${stack.mobileUrl}/mobile/orders/%E0%A4%A`, { headers: bearer('u1') })).status).toBe(
      400,
    );
    expect(
      (await fetch(`${stack.mobileUrl}/mobile/orders/${'o'.repeat(300)}`, { headers: bearer('u1') })).status,
    ).toBe(414);

    const after = await scrape(stack.mobileUrl);
    for (const status of ['400', '414']) {
      const labels = { route: 'unmatched', method: 'GET', status_code: status };
      expect(total(after, DURATION, labels) - total(before, DURATION, labels)).toBe(1);
    }
  });

  it("counts the requests refused on the socket (the parser's refusals, a CONNECT) as unmatched", async () => {
    const before = await scrape(stack.mobileUrl);

    const refusals = [
      'GET /mobile/profile HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
      rawGet('/mobile/profile', [`X-Padding: ${'a'.repeat(20 * 1024)}`]),
      'CONNECT upstream.test:443 HTTP/1.1\r\nHost: upstream.test:443\r\n\r\n',
    ];
    const statuses = [];
    for (const request of refusals) {
      statuses.push((await rawExchange(stack.mobileUrl, request)).answer?.status);
    }
    expect(statuses).toEqual([400, 431, 400]);

    await vi.waitFor(async () => {
      const after = await scrape(stack.mobileUrl);
      const counted = (method: string, status: string): number => {
        const labels = { route: 'unmatched', method, status_code: status };
        return total(after, DURATION, labels) - total(before, DURATION, labels);
      };
      expect([counted('UNKNOWN', '400'), counted('UNKNOWN', '431'), counted('CONNECT', '400')]).toEqual([
        1, 1, 1,
      ]);
    });
  });

  it('labels a 405 with the route that answers other methods, not with the paths that exist nowhere', async () => {
    const path = '/mobile/orders/o-405-label';
    expect(
      (await fetch(`${stack.mobileUrl}${path}`, { method: 'DELETE', headers: bearer('m405') })).status,
    ).toBe(405);
    await vi.waitFor(async () =>
      expect(
        total(await scrape(stack.mobileUrl), DURATION, {
          route: '/mobile/orders/:id',
          method: 'DELETE',
          status_code: '405',
        }),
      ).toBe(1),
    );
  });

  it('labels a request with the route pattern it matched, never its ids, and leaves scrapes uncounted', async () => {
    const body = await readProfile(await profile(stack, 'metrics-routes'));
    const orderId = body.recentOrders[0].id;
    expect(
      (await fetch(`${stack.mobileUrl}/mobile/orders/${orderId}`, { headers: bearer('metrics-routes') }))
        .status,
    ).toBe(200);
    expect((await fetch(`${stack.mobileUrl}/no/such/route-4711`)).status).toBe(404);

    await vi.waitFor(async () => {
      const samples = await scrape(stack.mobileUrl);
      expect(total(samples, DURATION, { route: '/mobile/orders/:id', status_code: '200' })).toBeGreaterThan(
        0,
      );
      expect(total(samples, DURATION, { route: 'unmatched', status_code: '404' })).toBeGreaterThan(0);
    });
    const routes = (await scrape(stack.mobileUrl))
      .filter((sample) => sample.name === DURATION)
      .map((sample) => sample.labels.route);
    expect(routes).not.toContain('/metrics');
    expect(routes.some((route) => route.includes(orderId) || route.includes('4711'))).toBe(false);
  });

  it('counts the order section as an error, and the failed attempts as unavailable, while the order service is down', async () => {
    const before = await scrape(stack.mobileUrl);
    stack.demo.faults.order.set({ down: true });
    const body = await readProfile(await profile(stack, 'metrics-outage'));
    expect(body.meta.sections.recentOrders.status).toBe('error');

    const after = await scrape(stack.mobileUrl);
    const failed = { section: 'recentOrders', status: 'error' };
    expect(total(after, SECTIONS, failed) - total(before, SECTIONS, failed)).toBe(1);
    const attempts = { service: 'order', outcome: 'unavailable' };
    expect(total(after, UPSTREAM, attempts) - total(before, UPSTREAM, attempts)).toBeGreaterThan(0);
  });

  it("keeps each app's numbers in its own registry: the web BFF never saw the mobile profile", async () => {
    expect((await profile(stack, 'metrics-apart')).status).toBe(200);
    const web = await scrape(stack.webUrl);
    expect(total(web, DURATION, { route: '/mobile/profile' })).toBe(0);
    expect(total(web, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('never puts a user id or a token in a label', async () => {
    const sub = 'metrics-private-sub-93b2';
    const token = mintToken({ sub });
    await fetch(`${stack.mobileUrl}/mobile/profile`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${stack.webUrl}/web/dashboard`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${stack.webUrl}/web/orders?userId=${sub}`, { headers: bearer(sub) });

    for (const url of [stack.mobileUrl, stack.webUrl]) {
      const values = labelValues(await scrape(url));
      expect(values.filter((value) => value.includes(sub) || value.includes(token.slice(0, 20)))).toEqual([]);
    }
  });
});

describe('the metrics of a throttled BFF', () => {
  let stack: Stack;

  // A profile costs three units: a caller's second one within the second is refused.
  beforeAll(async () => {
    stack = await startStack({
      THROTTLE_ENABLED: 'true',
      THROTTLE_BURST_LIMIT: '3',
      THROTTLE_BURST_WINDOW_MS: '60000',
    });
  });
  afterAll(() => stack.close());

  it('counts a refused request by the kind of caller, never by who it was', async () => {
    const sub = 'metrics-throttled-sub-51c8';
    const before = await scrape(stack.mobileUrl);
    expect((await profile(stack, sub)).status).toBe(200);
    expect((await profile(stack, sub)).status).toBe(429);

    await vi.waitFor(async () => {
      const after = await scrape(stack.mobileUrl);
      const refused = { tracker_kind: 'user' };
      expect(
        total(after, 'throttled_requests_total', refused) -
          total(before, 'throttled_requests_total', refused),
      ).toBe(1);
      const route = { route: '/mobile/profile', status_code: '429' };
      expect(total(after, DURATION, route) - total(before, DURATION, route)).toBe(1);
    });
    expect(labelValues(await scrape(stack.mobileUrl)).some((value) => value.includes(sub))).toBe(false);
  });

  it('never throttles a scraper, however often it polls', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async () => (await fetch(`${stack.mobileUrl}/metrics`)).status),
    );
    expect(statuses).toEqual(Array.from({ length: 12 }, () => 200));
  });
});

describe('the metrics of the caches', () => {
  const preferenceTtlMs = 1000;
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      CACHE_ENABLED: 'true',
      PREFERENCE_SERVICE_CACHE_TTL_S: String(preferenceTtlMs / 1000),
    });
  });
  afterAll(() => stack.close());

  const cacheEvents = (samples: readonly Sample[], layer: string, event: string): number =>
    total(samples, 'cache_events_total', { layer, event });

  it('counts hits and misses of the response cache and of the resource cache', async () => {
    const before = await scrape(stack.mobileUrl);
    // Built from the upstreams: a miss in both layers.
    expect((await profile(stack, 'metrics-cache')).headers.get('x-cache')).toBe('miss');
    // The same answer again, from the response cache.
    expect((await profile(stack, 'metrics-cache')).headers.get('x-cache')).toBe('hit');
    // Version 2 is another answer (a response-cache miss) built from the same three resources (resource-cache hits).
    expect((await profile(stack, 'metrics-cache', { 'x-api-version': '2' })).headers.get('x-cache')).toBe(
      'miss',
    );

    const after = await scrape(stack.mobileUrl);
    const moved = (layer: string, event: string): number =>
      cacheEvents(after, layer, event) - cacheEvents(before, layer, event);
    expect({
      responseHits: moved('response', 'hit'),
      responseMisses: moved('response', 'miss'),
      resourceHits: moved('resource', 'hit'),
      resourceMisses: moved('resource', 'miss'),
    }).toEqual({ responseHits: 1, responseMisses: 2, resourceHits: 3, resourceMisses: 3 });
    // Sections are counted when an aggregate settles them; the replayed answer settled none.
    const userOk = { section: 'user', status: 'ok' };
    expect(total(after, SECTIONS, userOk) - total(before, SECTIONS, userOk)).toBe(2);
  });

  it('counts a section served past its freshness while its service fails as stale, and times its age', async () => {
    expect((await profile(stack, 'metrics-stale')).status).toBe(200);
    await sleep(preferenceTtlMs + 100);
    const before = await scrape(stack.mobileUrl);
    stack.demo.faults.preference.set({ down: true });
    let body: { meta: { sections: Record<string, { status: string }> } };
    try {
      // Another version, so the answer is built again rather than replayed from the response cache.
      body = (await (await profile(stack, 'metrics-stale', { 'x-api-version': '2' })).json()) as typeof body;
    } finally {
      stack.demo.faults.preference.reset();
    }
    // Version 2 names the section by its own field; the metrics by the aggregate's.
    expect(body.meta.sections.settings.status).toBe('stale');

    const after = await scrape(stack.mobileUrl);
    const stale = { section: 'preferences', status: 'stale' };
    expect(total(after, SECTIONS, stale) - total(before, SECTIONS, stale)).toBe(1);
    const age = { section: 'preferences' };
    expect(
      total(after, 'aggregate_stale_age_seconds_count', age) -
        total(before, 'aggregate_stale_age_seconds_count', age),
    ).toBe(1);
    const ageSum =
      total(after, 'aggregate_stale_age_seconds_sum', age) -
      total(before, 'aggregate_stale_age_seconds_sum', age);
    expect(ageSum).toBeGreaterThanOrEqual(preferenceTtlMs / 1000);
    expect(cacheEvents(after, 'resource', 'stale') - cacheEvents(before, 'resource', 'stale')).toBe(1);
  });
});

describe('the breaker gauge', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '2' });
  });
  afterAll(() => stack.close());

  const breakerOf = (samples: readonly Sample[], service: string): number | undefined =>
    samples.find((sample) => sample.name === 'circuit_breaker_state' && sample.labels.service === service)
      ?.value;

  it("shows every breaker closed at start, and the order service's open once it has opened", async () => {
    const atStart = await scrape(stack.mobileUrl);
    for (const service of ['user', 'order', 'preference']) {
      expect(breakerOf(atStart, service)).toBe(0);
    }

    stack.demo.faults.order.set({ errorRate: 1 });
    await vi.waitFor(async () => {
      const body = await readProfile(await profile(stack, 'metrics-breaker'));
      expect(body.meta.sections.recentOrders.status).toBe('fallback');
    });

    const mobile = await scrape(stack.mobileUrl);
    expect(breakerOf(mobile, 'order')).toBe(1);
    expect(breakerOf(mobile, 'user')).toBe(0);
    // The web BFF has its own breakers, and has not called the order service.
    expect(breakerOf(await scrape(stack.webUrl), 'order')).toBe(0);
  });

  it('counts the calls the open breaker refused without trying the service', async () => {
    const refusedOf = (samples: readonly Sample[]): number =>
      samples.find(
        (sample) =>
          sample.name === 'upstream_calls_refused_total' &&
          sample.labels.service === 'order' &&
          sample.labels.reason === 'breaker_open',
      )?.value ?? 0;
    stack.demo.faults.order.set({ errorRate: 1 });
    await vi.waitFor(async () => {
      const body = await readProfile(await profile(stack, 'metrics-refused'));
      expect(body.meta.sections.recentOrders.status).toBe('fallback');
    });
    const before = refusedOf(await scrape(stack.mobileUrl));
    const orderCalls = stack.demo.faults.order.requestCount();

    for (const user of ['metrics-refused-1', 'metrics-refused-2', 'metrics-refused-3']) {
      expect((await readProfile(await profile(stack, user))).meta.sections.recentOrders.status).toBe(
        'fallback',
      );
    }

    expect(stack.demo.faults.order.requestCount()).toBe(orderCalls);
    expect(refusedOf(await scrape(stack.mobileUrl))).toBe(before + 3);
  });
});

describe.skipIf(sharedRedisUrl === undefined)('redis_up over a Redis that stalls and crashes', () => {
  let redis: PrivateRedis;
  let stack: Stack;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    stack = await startStack(redisEnv(redis.url));
    await untilRedisIsUp(stack);
  });
  afterAll(async () => {
    // A stopped process would not take the kill until resumed.
    redis.resume();
    try {
      await stack.close();
    } finally {
      await redis.kill();
    }
  });

  const redisUp = async (): Promise<number> => total(await scrape(stack.mobileUrl), 'redis_up');
  const until = (value: number) =>
    vi.waitFor(async () => expect(await redisUp()).toBe(value), { timeout: 8_000, interval: 100 });

  it('shows 1 while Redis answers, 0 while it is stalled or gone, and 1 once it is back', async () => {
    expect(await redisUp()).toBe(1);

    redis.stall();
    try {
      await until(0);
    } finally {
      redis.resume();
    }
    await until(1);

    await redis.kill();
    await until(0);
    await redis.restart();
    await until(1);
  });
});
