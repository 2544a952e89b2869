import { Metrics } from './metrics.js';

/** The value of one series in the registry's text, or undefined when there is no such sample. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe(Metrics.name, () => {
  it('keeps each app in a registry of its own, so two apps in one process never collide', async () => {
    const mobile = new Metrics();
    const web = new Metrics();
    mobile.countThrottled('user');

    expect(sample(await mobile.text(), 'throttled_requests_total{tracker_kind="user"}')).toBe(1);
    expect(sample(await web.text(), 'throttled_requests_total{tracker_kind="user"}')).toBe(0);
  });

  it("reports the process's own numbers beside the gateway's", async () => {
    const text = await new Metrics().text();
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    expect(text).toContain('# TYPE nodejs_active_handles gauge');
    // A gauge named like a counter fails promtool; its per-type gauge above carries the same number.
    expect(text).not.toContain('nodejs_active_handles_total');
  });

  it('shows every refusal, 429 and cache count at 0 before its first, so a rate over the first burst after a start sees it', async () => {
    const text = await new Metrics().text();
    for (const service of ['user', 'order', 'preference']) {
      for (const reason of ['breaker_open', 'paused', 'at_capacity']) {
        expect(sample(text, `upstream_calls_refused_total{service="${service}",reason="${reason}"}`)).toBe(0);
      }
    }
    for (const kind of ['user', 'consumer', 'ip']) {
      expect(sample(text, `throttled_requests_total{tracker_kind="${kind}"}`)).toBe(0);
    }
    for (const [layer, event] of [
      ['resource', 'hit'],
      ['resource', 'miss'],
      ['resource', 'stale'],
      ['response', 'hit'],
      ['response', 'miss'],
    ]) {
      expect(sample(text, `cache_events_total{layer="${layer}",event="${event}"}`)).toBe(0);
    }
  });

  it('shows redis_up only for an app that watches Redis, as it is at each scrape', async () => {
    const metrics = new Metrics();
    expect(await metrics.text()).not.toContain('redis_up');

    let answering = true;
    metrics.watchRedis(() => answering);
    expect(sample(await metrics.text(), 'redis_up')).toBe(1);
    answering = false;
    expect(sample(await metrics.text(), 'redis_up')).toBe(0);
  });

  it('shows a breaker as 0 closed, 1 open and 2 half-open', async () => {
    const metrics = new Metrics();
    metrics.setBreakerState('user', 'closed');
    metrics.setBreakerState('order', 'open');
    metrics.setBreakerState('preference', 'half-open');

    const text = await metrics.text();
    expect(sample(text, 'circuit_breaker_state{service="user"}')).toBe(0);
    expect(sample(text, 'circuit_breaker_state{service="order"}')).toBe(1);
    expect(sample(text, 'circuit_breaker_state{service="preference"}')).toBe(2);
  });

  it('records request and upstream times in seconds, by their labels', async () => {
    const metrics = new Metrics();
    metrics.recordHttpRequest('/mobile/orders/:id', 'GET', 200, 0.042);
    metrics.recordUpstreamAttempt('order', '127.0.0.1:4002', 'timeout', 1.2);

    const text = await metrics.text();
    const request = 'route="/mobile/orders/:id",method="GET",status_code="200"';
    expect(sample(text, `http_request_duration_seconds_bucket{le="0.025",${request}}`)).toBe(0);
    expect(sample(text, `http_request_duration_seconds_bucket{le="0.05",${request}}`)).toBe(1);
    expect(sample(text, `http_request_duration_seconds_sum{${request}}`)).toBeCloseTo(0.042);
    const attempt = 'service="order",upstream_instance="127.0.0.1:4002",outcome="timeout"';
    expect(sample(text, `upstream_request_duration_seconds_count{${attempt}}`)).toBe(1);
  });

  it('counts every section and times the age of stale ones only', async () => {
    const metrics = new Metrics();
    metrics.countSection('preferences', 'stale', 90_000);
    metrics.countSection('recentOrders', 'error');
    metrics.countSection('recentOrders', 'ok');

    const text = await metrics.text();
    expect(sample(text, 'aggregate_sections_total{section="preferences",status="stale"}')).toBe(1);
    expect(sample(text, 'aggregate_sections_total{section="recentOrders",status="error"}')).toBe(1);
    expect(sample(text, 'aggregate_stale_age_seconds_sum{section="preferences"}')).toBe(90);
    expect(sample(text, 'aggregate_stale_age_seconds_count{section="recentOrders"}')).toBeUndefined();
  });

  it('counts cache events by layer', async () => {
    const metrics = new Metrics();
    metrics.countCacheEvent('response', 'hit');
    metrics.countCacheEvent('response', 'hit');
    metrics.countCacheEvent('resource', 'miss');

    const text = await metrics.text();
    expect(sample(text, 'cache_events_total{layer="response",event="hit"}')).toBe(2);
    expect(sample(text, 'cache_events_total{layer="resource",event="miss"}')).toBe(1);
  });

  it('shows the same counts on every scrape, and only what was added since on the next', async () => {
    const metrics = new Metrics();
    metrics.countCacheEvent('resource', 'hit');
    metrics.countSection('user', 'ok');
    await metrics.text();
    const unchanged = await metrics.text();
    expect(sample(unchanged, 'cache_events_total{layer="resource",event="hit"}')).toBe(1);
    expect(sample(unchanged, 'aggregate_sections_total{section="user",status="ok"}')).toBe(1);

    metrics.countCacheEvent('resource', 'hit');
    metrics.countSection('user', 'timeout');
    const next = await metrics.text();
    expect(sample(next, 'cache_events_total{layer="resource",event="hit"}')).toBe(2);
    expect(sample(next, 'aggregate_sections_total{section="user",status="ok"}')).toBe(1);
    expect(sample(next, 'aggregate_sections_total{section="user",status="timeout"}')).toBe(1);
  });
});
