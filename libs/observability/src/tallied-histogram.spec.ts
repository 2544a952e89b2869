import { Histogram, Registry, type Metric } from 'prom-client';
import { TalliedHistogram } from './tallied-histogram.js';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const NAME = 'http_request_duration_seconds';
const HELP = 'Time from the request arriving to the answer sent.';

/** Observations on a bound, between bounds, past the last one and at zero, over three label sets. */
const OBSERVATIONS: [string, string, number, number][] = [
  ['/mobile/profile', 'GET', 200, 0.005],
  ['/mobile/profile', 'GET', 200, 0.0051],
  ['/mobile/profile', 'GET', 200, 0.042],
  ['/mobile/profile', 'GET', 304, 0],
  ['/web/preferences', 'PATCH', 422, 7.5],
  ['/web/preferences', 'PATCH', 422, 0.25],
  ['/mobile/profile', 'GET', 200, 1],
];

function promClientText(): Promise<string> {
  const registry = new Registry();
  const histogram = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ['route', 'method', 'status_code'],
    buckets: BOUNDS,
    registers: [registry],
  });
  for (const [route, method, status, value] of OBSERVATIONS) {
    histogram.observe({ route, method, status_code: String(status) }, value);
  }
  return registry.metrics();
}

function talliedRegistry(): { registry: Registry; histogram: TalliedHistogram<string, string, number> } {
  const registry = new Registry();
  const histogram = new TalliedHistogram<string, string, number>(
    NAME,
    HELP,
    ['route', 'method', 'status_code'],
    BOUNDS,
  );
  registry.registerMetric(histogram as unknown as Metric);
  return { registry, histogram };
}

describe(TalliedHistogram.name, () => {
  it("shows at /metrics exactly the text prom-client's own histogram shows for the same observations", async () => {
    const { registry, histogram } = talliedRegistry();
    for (const [route, method, status, value] of OBSERVATIONS) {
      histogram.observe(route, method, status, value);
    }

    expect(await registry.metrics()).toBe(await promClientText());
  });

  it('leaves a timing that is not a number out rather than failing the request or spoiling the sum', async () => {
    const { registry, histogram } = talliedRegistry();
    histogram.observe('/mobile/profile', 'GET', 200, Number.NaN);
    histogram.observe('/mobile/profile', 'GET', 200, Number.POSITIVE_INFINITY);
    histogram.observe('/mobile/profile', 'GET', 200, 0.042);

    const text = await registry.metrics();
    const labels = 'route="/mobile/profile",method="GET",status_code="200"';
    expect(text).toContain(`${NAME}_count{${labels}} 1\n`);
    expect(text).toContain(`${NAME}_sum{${labels}} 0.042\n`);
  });

  it('starts from nothing when the registry is reset', async () => {
    const { registry, histogram } = talliedRegistry();
    histogram.observe('/mobile/profile', 'GET', 200, 0.042);
    registry.resetMetrics();

    expect(await registry.metrics()).toBe(`# HELP ${NAME} ${HELP}\n# TYPE ${NAME} histogram\n`);
  });
});
